"""Errors of the push service, each with a stable wire code and its HTTP status.

The codes are spelled once in :mod:`shared.push_codes`; the statuses are the IdP's choice.
"""

from __future__ import annotations

from idp.errors import IdpError
from shared import push_codes as codes

__all__ = [
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
    "NoDevice",
    "NonceMismatch",
    "NumberMismatch",
    "NumberRequired",
    "PushBlocked",
    "PushError",
    "PushRateLimited",
    "RealmUnknown",
    "TokenReplayed",
    "TokenWrongRequest",
]


class PushError(IdpError):
    code = "push_error"
    status = 400


class ActivationCodeUnknown(PushError):
    code, status = codes.ACTIVATION_CODE_UNKNOWN, 404


class ActivationCodeExpired(PushError):
    code, status = codes.ACTIVATION_CODE_EXPIRED, 410


class ActivationCodeUsed(PushError):
    code, status = codes.ACTIVATION_CODE_USED, 409


class DeviceAuthRequired(PushError):
    """A device API call without ``Authorization: Device <token>``."""

    code, status = codes.DEVICE_AUTH_REQUIRED, 401


class RealmUnknown(PushError):
    code, status = codes.REALM_UNKNOWN, 404


class DeviceUnknown(PushError):
    code, status = codes.DEVICE_UNKNOWN, 401


class DeviceRevoked(PushError):
    code, status = codes.DEVICE_REVOKED, 401


class TokenReplayed(PushError):
    code, status = codes.TOKEN_REPLAYED, 401


class TokenWrongRequest(PushError):
    code, status = codes.TOKEN_WRONG_REQUEST, 401


class ChallengeNotFound(PushError):
    code, status = codes.CHALLENGE_NOT_FOUND, 404


class ChallengeExpired(PushError):
    code, status = codes.CHALLENGE_EXPIRED, 410


class ChallengeAlreadyDecided(PushError):
    code, status = codes.CHALLENGE_ALREADY_DECIDED, 409


class ChallengeSuperseded(PushError):
    code, status = codes.CHALLENGE_SUPERSEDED, 409


class NumberMismatch(PushError):
    code, status = codes.NUMBER_MISMATCH, 422


class NonceMismatch(PushError):
    code, status = codes.NONCE_MISMATCH, 422


class NumberRequired(PushError):
    code, status = codes.NUMBER_REQUIRED, 422


class NoDevice(PushError):
    """The user has no enrolled device to send a challenge to."""

    code, status = codes.NO_DEVICE, 409


class PushRateLimited(PushError):
    """Too many challenges for this user in the realm's window (push-bombing cap)."""

    code, status = codes.PUSH_RATE_LIMITED, 429

    def __init__(self, detail: str = "", *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PushBlocked(PushError):
    """Push-based recovery is blocked after a "Non, ce n'est pas moi" report."""

    code, status = codes.PUSH_BLOCKED, 403
