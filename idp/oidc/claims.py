"""The claims released about a user, by scope (ID token and userinfo alike)."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import scope_to_list

from idp.models import User

__all__ = ["CLAIMS_SUPPORTED", "user_claims"]

CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "at_hash",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "locale",
    "email",
)


def user_claims(user: User, scope: str) -> dict[str, Any]:
    scopes = set(scope_to_list(scope) or [])
    # sub: the account's database id, never reassigned within the realm.
    claims: dict[str, Any] = {"sub": str(user.id)}
    if "profile" in scopes:
        claims["preferred_username"] = user.username
        if user.display_name:
            claims["name"] = user.display_name
        if given := user.attribute("first_name"):
            claims["given_name"] = given
        if family := user.attribute("last_name"):
            claims["family_name"] = family
        if user.language:
            claims["locale"] = user.language
    if "email" in scopes and user.email:
        claims["email"] = user.email
    return claims
