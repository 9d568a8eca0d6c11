"""Errors the IdP answers with (an ``ErrorBody``), as typed exceptions.

Every IdP code (spelled once in :mod:`shared.push_codes`; ``docs/protocol.md`` §7) has its
class here; protocol codes about this device's own messages (``signature_invalid``,
``message_expired``...) and codes a newer IdP may add arrive as a plain :class:`IdpRefused`
carrying the code. Use :func:`idp_error` to build the right one from a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from authenticator_app.core.errors import RefusedError
from shared import push_codes as codes

__all__ = [
    "IDP_ERRORS",
    "ActivationCodeExpired",
    "ActivationCodeUnknown",
    "ActivationCodeUsed",
    "ChallengeAlreadyDecided",
    "ChallengeExpired",
    "ChallengeNotFound",
    "ChallengeSuperseded",
    "DeviceAuthRequired",
    "DeviceRevoked",
    "DeviceUnknown",
    "IdpRefused",
    "NoDevice",
    "NonceMismatch",
    "NumberMismatch",
    "NumberRequired",
    "PushBlocked",
    "PushRateLimited",
    "TokenReplayed",
    "TokenWrongRequest",
    "idp_error",
]


class IdpRefused(RefusedError):
    """The IdP answered with an error body. ``status`` is the HTTP status; ``idp_message`` the
    IdP's own (possibly translated) text, for logs."""

    code = "idp_refused"

    def __init__(
        self, detail: str = "", *, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(detail, code=code)
        self.status = status
        self.idp_message = detail


class ActivationCodeUnknown(IdpRefused):
    code = codes.ACTIVATION_CODE_UNKNOWN


class ActivationCodeExpired(IdpRefused):
    code = codes.ACTIVATION_CODE_EXPIRED


class ActivationCodeUsed(IdpRefused):
    code = codes.ACTIVATION_CODE_USED


class DeviceAuthRequired(IdpRefused):
    code = codes.DEVICE_AUTH_REQUIRED


class DeviceUnknown(IdpRefused):
    code = codes.DEVICE_UNKNOWN


class DeviceRevoked(IdpRefused):
    code = codes.DEVICE_REVOKED


class RealmUnknown(IdpRefused):
    code = codes.REALM_UNKNOWN


class TokenReplayed(IdpRefused):
    code = codes.TOKEN_REPLAYED


class TokenWrongRequest(IdpRefused):
    code = codes.TOKEN_WRONG_REQUEST


class ChallengeNotFound(IdpRefused):
    code = codes.CHALLENGE_NOT_FOUND


class ChallengeExpired(IdpRefused):
    code = codes.CHALLENGE_EXPIRED


class ChallengeAlreadyDecided(IdpRefused):
    code = codes.CHALLENGE_ALREADY_DECIDED


class ChallengeSuperseded(IdpRefused):
    code = codes.CHALLENGE_SUPERSEDED


class NumberMismatch(IdpRefused):
    code = codes.NUMBER_MISMATCH


class NonceMismatch(IdpRefused):
    code = codes.NONCE_MISMATCH


class NumberRequired(IdpRefused):
    code = codes.NUMBER_REQUIRED


class NoDevice(IdpRefused):
    code = codes.NO_DEVICE


class PushRateLimited(IdpRefused):
    code = codes.PUSH_RATE_LIMITED


class PushBlocked(IdpRefused):
    code = codes.PUSH_BLOCKED


IDP_ERRORS: Final[Mapping[str, type[IdpRefused]]] = MappingProxyType(
    {
        cls.code: cls
        for cls in (
            ActivationCodeUnknown,
            ActivationCodeExpired,
            ActivationCodeUsed,
            DeviceAuthRequired,
            DeviceUnknown,
            DeviceRevoked,
            RealmUnknown,
            TokenReplayed,
            TokenWrongRequest,
            ChallengeNotFound,
            ChallengeExpired,
            ChallengeAlreadyDecided,
            ChallengeSuperseded,
            NumberMismatch,
            NonceMismatch,
            NumberRequired,
            NoDevice,
            PushRateLimited,
            PushBlocked,
        )
    }
)


def idp_error(code: str, message: str = "", *, status: int | None = None) -> IdpRefused:
    """The typed error for an IdP ``ErrorBody`` (a plain :class:`IdpRefused` for other codes)."""
    cls = IDP_ERRORS.get(code)
    if cls is None:
        return IdpRefused(message, code=code, status=status)
    return cls(message, status=status)
