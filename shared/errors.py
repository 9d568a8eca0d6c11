"""Typed protocol errors with stable wire codes.

Every failure to parse, verify or accept a protocol message raises a :class:`ProtocolError`
subclass. ``code`` is part of the wire contract (it travels in :class:`shared.messages.ErrorBody`);
``detail`` is for logs and testers, never for deciding anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

from pydantic import ValidationError

__all__ = [
    "ERROR_CODES",
    "AlgorithmNotAllowed",
    "AudienceInvalid",
    "IssuerInvalid",
    "KeyInvalid",
    "MessageExpired",
    "MessageMalformed",
    "MessageNotYetValid",
    "MessageTooLarge",
    "MessageTypeInvalid",
    "ProtocolError",
    "SignatureInvalid",
    "UnknownKey",
    "UnsupportedVersion",
    "UpgradeRequired",
    "UriInvalid",
    "validation_detail",
]


class ProtocolError(Exception):
    """Base of every protocol failure. ``code`` is stable; ``detail`` explains, for humans."""

    code: ClassVar[str] = "protocol_error"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail or self.code
        super().__init__(self.detail)


class SignatureInvalid(ProtocolError):
    """The JWS signature does not verify with the selected key."""

    code = "signature_invalid"


class MessageExpired(ProtocolError):
    """``exp`` is in the past (beyond the leeway)."""

    code = "message_expired"


class MessageNotYetValid(ProtocolError):
    """``iat`` (or ``nbf``) is in the future (beyond the leeway)."""

    code = "message_not_yet_valid"


class AlgorithmNotAllowed(ProtocolError):
    """The JWS ``alg`` is anything but ES256 (``none``, HS256, RS256...)."""

    code = "algorithm_not_allowed"


class UnknownKey(ProtocolError):
    """No key is known for the JWS ``kid``."""

    code = "unknown_key"


class AudienceInvalid(ProtocolError):
    """``aud`` names someone else."""

    code = "audience_invalid"


class IssuerInvalid(ProtocolError):
    """``iss`` is not the expected issuer."""

    code = "issuer_invalid"


class MessageMalformed(ProtocolError):
    """Not a well-formed token or message (syntax, JSON, or schema)."""

    code = "message_malformed"


class MessageTooLarge(ProtocolError):
    """Bigger than the protocol allows; refused before any parsing."""

    code = "message_too_large"


class UnsupportedVersion(ProtocolError):
    """``v`` is newer than this implementation speaks."""

    code = "unsupported_version"


class UpgradeRequired(ProtocolError):
    """``v`` is older than the receiver still serves: the sender must be updated."""

    code = "upgrade_required"


class MessageTypeInvalid(ProtocolError):
    """The ``typ`` header or claim is not the expected message type."""

    code = "message_type_invalid"


class KeyInvalid(ProtocolError):
    """A key or JWK is malformed, on another curve, or carries private material."""

    code = "key_invalid"


class UriInvalid(ProtocolError):
    """An enrollment URI is malformed, of another scheme, or points somewhere unsafe."""

    code = "uri_invalid"


ERROR_CODES: Mapping[str, type[ProtocolError]] = MappingProxyType(
    {
        cls.code: cls
        for cls in (
            SignatureInvalid,
            MessageExpired,
            MessageNotYetValid,
            AlgorithmNotAllowed,
            UnknownKey,
            AudienceInvalid,
            IssuerInvalid,
            MessageMalformed,
            MessageTooLarge,
            UnsupportedVersion,
            UpgradeRequired,
            MessageTypeInvalid,
            KeyInvalid,
            UriInvalid,
        )
    }
)


def validation_detail(error: ValidationError, *, limit: int = 1000) -> str:
    """A readable, bounded summary of pydantic field errors (without the offending input)."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item["loc"]) or "(message)"
        parts.append(f"{location}: {item['msg']}")
    detail = "; ".join(parts)
    return detail if len(detail) <= limit else detail[: limit - 3] + "..."
