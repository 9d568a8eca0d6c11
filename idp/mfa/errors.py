"""Errors of the second factor (codes and recovery codes), each with a stable code."""

from __future__ import annotations

from idp.errors import IdpError

__all__ = [
    "CodeInvalid",
    "CodeReplayed",
    "MfaError",
    "NoCodeDevice",
    "RecoveryCodeInvalid",
    "SecondFactorLocked",
]


class MfaError(IdpError):
    code = "mfa_error"
    status = 400


class CodeInvalid(MfaError):
    """The code matches no step within the allowed drift on any of the user's devices."""

    code, status = "totp_invalid", 400


class CodeReplayed(MfaError):
    """The code was right but its time step was already used (single use, RFC 6238 §5.2)."""

    code, status = "totp_replayed", 400


class NoCodeDevice(MfaError):
    """The user has no device with a TOTP seed (told apart from a wrong code only in the audit)."""

    code, status = "totp_no_device", 400


class RecoveryCodeInvalid(MfaError):
    code, status = "recovery_code_invalid", 400


class SecondFactorLocked(MfaError):
    """Too many second-factor failures: wait ``retry_after`` seconds."""

    code, status = "second_factor_locked", 429

    def __init__(self, message: str = "", *, retry_after: int) -> None:
        super().__init__(message or "second factor locked")
        self.retry_after = retry_after
