"""Errors the IdP answers with (an ``ErrorBody``), as typed exceptions.

Every IdP code of the device API has its class (see ``docs/protocol.md`` §7); protocol codes
about this device's own messages (``signature_invalid``, ``message_expired``...) and codes a newer
IdP may add arrive as a plain :class:`IdpRefused` carrying the code. Use :func:`idp_error` to
build the right one from a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from authenticator_app.core.errors import RefusedError

__all__ = [
    "IDP_ERRORS",
    "ActivationCodeExpired",
    "ActivationCodeUnknown",
    "ActivationCodeUsed",
    "ChallengeAlreadyDecided",
    "ChallengeExpired",
    "ChallengeNotFound",
    "ChallengeSuperseded",
    "DeviceRevoked",
    "DeviceUnknown",
    "IdpRefused",
    "NonceMismatch",
    "NumberMismatch",
    "NumberRequired",
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
    code = "activation_code_unknown"


class ActivationCodeExpired(IdpRefused):
    code = "activation_code_expired"


class ActivationCodeUsed(IdpRefused):
    code = "activation_code_used"


class DeviceUnknown(IdpRefused):
    code = "device_unknown"


class DeviceRevoked(IdpRefused):
    code = "device_revoked"


class UpgradeRequired(IdpRefused):
    """The IdP no longer serves this app's protocol version: the app must be updated."""

    code = "upgrade_required"


class TokenReplayed(IdpRefused):
    code = "token_replayed"


class TokenWrongRequest(IdpRefused):
    code = "token_wrong_request"


class ChallengeNotFound(IdpRefused):
    code = "challenge_not_found"


class ChallengeExpired(IdpRefused):
    code = "challenge_expired"


class ChallengeAlreadyDecided(IdpRefused):
    code = "challenge_already_decided"


class ChallengeSuperseded(IdpRefused):
    code = "challenge_superseded"


class NumberMismatch(IdpRefused):
    code = "number_mismatch"


class NonceMismatch(IdpRefused):
    code = "nonce_mismatch"


class NumberRequired(IdpRefused):
    code = "number_required"


IDP_ERRORS: Final[Mapping[str, type[IdpRefused]]] = MappingProxyType(
    {
        cls.code: cls
        for cls in (
            ActivationCodeUnknown,
            ActivationCodeExpired,
            ActivationCodeUsed,
            DeviceUnknown,
            DeviceRevoked,
            UpgradeRequired,
            TokenReplayed,
            TokenWrongRequest,
            ChallengeNotFound,
            ChallengeExpired,
            ChallengeAlreadyDecided,
            ChallengeSuperseded,
            NumberMismatch,
            NonceMismatch,
            NumberRequired,
        )
    }
)


def idp_error(code: str, message: str = "", *, status: int | None = None) -> IdpRefused:
    """The typed error for an IdP ``ErrorBody`` (a plain :class:`IdpRefused` for other codes)."""
    cls = IDP_ERRORS.get(code)
    if cls is None:
        return IdpRefused(message, code=code, status=status)
    return cls(message, status=status)
