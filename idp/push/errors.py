"""Errors of the push service, each with a stable wire code and its HTTP status."""

from __future__ import annotations

from idp.errors import IdpError

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
    "TokenReplayed",
    "TokenWrongRequest",
]


class PushError(IdpError):
    code = "push_error"
    status = 400


class ActivationCodeUnknown(PushError):
    code, status = "activation_code_unknown", 404


class ActivationCodeExpired(PushError):
    code, status = "activation_code_expired", 410


class ActivationCodeUsed(PushError):
    code, status = "activation_code_used", 409


class DeviceAuthRequired(PushError):
    """A device API call without ``Authorization: Device <token>``."""

    code, status = "device_auth_required", 401


class DeviceUnknown(PushError):
    code, status = "device_unknown", 401


class DeviceRevoked(PushError):
    code, status = "device_revoked", 401


class TokenReplayed(PushError):
    code, status = "token_replayed", 401


class TokenWrongRequest(PushError):
    code, status = "token_wrong_request", 401


class ChallengeNotFound(PushError):
    code, status = "challenge_not_found", 404


class ChallengeExpired(PushError):
    code, status = "challenge_expired", 410


class ChallengeAlreadyDecided(PushError):
    code, status = "challenge_already_decided", 409


class ChallengeSuperseded(PushError):
    code, status = "challenge_superseded", 409


class NumberMismatch(PushError):
    code, status = "number_mismatch", 422


class NonceMismatch(PushError):
    code, status = "nonce_mismatch", 422


class NumberRequired(PushError):
    code, status = "number_required", 422


class NoDevice(PushError):
    """The user has no enrolled device to send a challenge to."""

    code, status = "no_device", 409


class PushRateLimited(PushError):
    """Too many challenges for this user in the realm's window (push-bombing cap)."""

    code, status = "push_rate_limited", 429

    def __init__(self, detail: str = "", *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PushBlocked(PushError):
    """Push-based recovery is blocked after a "Non, ce n'est pas moi" report."""

    code, status = "push_blocked", 403
