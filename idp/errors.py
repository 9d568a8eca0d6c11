"""Typed errors with stable codes, translated once at the edge (DESIGN.md §6.6)."""

from __future__ import annotations

__all__ = [
    "AttributeInvalid",
    "IdpError",
    "RealmNotFound",
    "UserExists",
    "UserNotFound",
]


class IdpError(Exception):
    """Base of the IdP's domain errors. ``code`` is stable; ``field`` names the culprit."""

    code = "idp_error"

    def __init__(self, detail: str = "", *, field: str | None = None) -> None:
        super().__init__(detail or self.code)
        self.detail = detail or self.code
        self.field = field


class RealmNotFound(IdpError):
    code = "realm_not_found"


class UserExists(IdpError):
    code = "user_exists"


class UserNotFound(IdpError):
    code = "user_not_found"


class AttributeInvalid(IdpError):
    code = "attribute_invalid"
