"""Typed errors of the authenticator core, each with a stable code and a kind.

``code`` is stable: presenters and the CLI branch on it, and the GUI translates it (the English
text lives in :mod:`authenticator_app.core.catalog`). ``kind`` says what went wrong at the
coarsest level, which is what the CLI turns into its exit status:

- ``input``: what the user gave us is unusable (bad URI, empty PIN, unknown account...);
- ``vault``: the encrypted vault cannot be opened or written;
- ``network``: the IdP cannot be reached, or answered something that is not the protocol;
- ``refused``: the IdP (or this app, for a challenge) refused: the action did not happen.

``detail`` is for logs and testers, never for deciding anything. Errors the IdP returns as an
``ErrorBody`` are in :mod:`authenticator_app.core.idp_errors`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from authenticator_app.core.catalog import message_for

__all__ = [
    "AccountAmbiguous",
    "AccountHasNoCode",
    "AccountNotFound",
    "AuthenticatorError",
    "BackupPasswordMismatch",
    "BackupPasswordMissing",
    "BackupPasswordTooShort",
    "ChallengeRefused",
    "DeviceNameInvalid",
    "ErrorKind",
    "ExportExists",
    "ExportWriteFailed",
    "IdpResponseInvalid",
    "IdpUnavailable",
    "IdpUnreachable",
    "ImportMalformed",
    "ImportPasswordWrong",
    "ImportTooLarge",
    "ImportUnreadable",
    "ImportVersionUnsupported",
    "InputError",
    "NetworkError",
    "NoChallenge",
    "NoPushAccount",
    "NoTrace",
    "NumberInvalid",
    "NumberMissing",
    "NumberNotOffered",
    "OfferExpired",
    "PiAnswerRejected",
    "PiRefused",
    "PinEmpty",
    "PinMismatch",
    "PinNotDigits",
    "PinTooShort",
    "PinUnavailable",
    "RefusedError",
    "UriInsecure",
    "UriInvalid",
    "UriIssuerMismatch",
    "UriUnsupported",
    "UriVersionUnsupported",
    "VaultBusy",
    "VaultCorrupted",
    "VaultError",
    "VaultExists",
    "VaultLocked",
    "VaultMissing",
    "VaultPinWrong",
    "VaultUnreadable",
    "VaultVersionUnsupported",
    "VaultWriteFailed",
]

ErrorKind = Literal["input", "vault", "network", "refused"]


class AuthenticatorError(Exception):
    """Base of every error the core raises on purpose."""

    code: str = "authenticator_error"
    kind: ClassVar[ErrorKind] = "refused"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        self.detail = detail
        super().__init__(detail or self.code)

    @property
    def message(self) -> str:
        """One clear English sentence for the user (the catalog's text for ``code``)."""
        return message_for(self.code, self.detail)


class InputError(AuthenticatorError):
    kind = "input"


class RefusedError(AuthenticatorError):
    kind = "refused"


class NetworkError(AuthenticatorError):
    kind = "network"


# --- input --------------------------------------------------------------------------------------


class PinEmpty(InputError):
    code = "pin_empty"


class PinUnavailable(InputError):
    code = "pin_unavailable"


class PinMismatch(InputError):
    code = "pin_mismatch"


class PinTooShort(InputError):
    code = "pin_too_short"


class PinNotDigits(InputError):
    code = "pin_not_digits"


class UriInvalid(InputError):
    code = "uri_invalid"


class UriUnsupported(InputError):
    code = "uri_unsupported"


class UriIssuerMismatch(UriInvalid):
    """The label's issuer prefix and the ``issuer`` parameter name two different issuers."""

    code = "uri_issuer_mismatch"


class UriInsecure(InputError):
    code = "uri_insecure"


class UriVersionUnsupported(InputError):
    code = "uri_version_unsupported"


class OfferExpired(InputError):
    code = "enrollment_offer_expired"


class DeviceNameInvalid(InputError):
    code = "device_name_invalid"


class AccountNotFound(InputError):
    code = "account_not_found"


class AccountAmbiguous(InputError):
    code = "account_ambiguous"


class AccountHasNoCode(InputError):
    code = "account_has_no_code"


class NoPushAccount(InputError):
    code = "no_push_account"


class NumberMissing(InputError):
    code = "number_required"


class NumberInvalid(InputError):
    code = "number_invalid"


class NumberNotOffered(InputError):
    code = "number_not_offered"


# --- import and export (issue 20) ------------------------------------------------------------


class ImportMalformed(InputError):
    """Not a file (or URI) of a format ``authenticator import`` reads, or truncated/damaged."""

    code = "import_malformed"


class ImportPasswordWrong(InputError):
    code = "import_password_wrong"


class ImportVersionUnsupported(InputError):
    code = "import_version_unsupported"


class ImportTooLarge(InputError):
    code = "import_too_large"


class ImportUnreadable(InputError):
    code = "import_unreadable"


class ExportExists(InputError):
    code = "export_exists"


class ExportWriteFailed(InputError):
    code = "export_write_failed"


class BackupPasswordMissing(InputError):
    code = "backup_password_missing"


class BackupPasswordMismatch(InputError):
    code = "backup_password_mismatch"


class BackupPasswordTooShort(InputError):
    code = "backup_password_too_short"


# --- vault --------------------------------------------------------------------------------------


class VaultError(AuthenticatorError):
    kind = "vault"
    code = "vault_error"


class VaultMissing(VaultError):
    code = "vault_missing"


class VaultExists(VaultError):
    code = "vault_exists"


class VaultPinWrong(VaultError):
    code = "vault_pin_wrong"


class VaultCorrupted(VaultError):
    code = "vault_corrupted"


class VaultVersionUnsupported(VaultError):
    code = "vault_version_unsupported"


class VaultLocked(VaultError):
    code = "vault_locked"


class VaultBusy(VaultError):
    code = "vault_busy"


class VaultUnreadable(VaultError):
    code = "vault_unreadable"


class VaultWriteFailed(VaultError):
    code = "vault_write_failed"


# --- refused ------------------------------------------------------------------------------------


class ChallengeRefused(RefusedError):
    """A challenge this app will not show nor answer. ``code`` names why, e.g.
    ``challenge_signature_invalid``; ``cause`` is the underlying protocol code, if any."""

    code = "challenge_refused"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        challenge_id: str | None = None,
        account_id: str | None = None,
        cause: str | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.challenge_id = challenge_id
        """The challenge id, if one could be read (unverified when the signature failed)."""
        self.account_id = account_id
        self.cause = cause


class NoChallenge(RefusedError):
    code = "no_challenge"


class NoTrace(RefusedError):
    """The device's trace log holds nothing about that challenge."""

    code = "no_trace"


class PiRefused(RefusedError):
    """privacyIDEA answered ``result.status = false``; ``detail`` is its message."""

    code = "pi_refused"


class PiAnswerRejected(RefusedError):
    """privacyIDEA did not accept a signed answer (``result.value = false``): a wrong number,
    or the challenge is no longer open."""

    code = "pi_answer_rejected"


# --- network ------------------------------------------------------------------------------------


class IdpUnreachable(NetworkError):
    code = "idp_unreachable"


class IdpUnavailable(NetworkError):
    code = "idp_unavailable"


class IdpResponseInvalid(NetworkError):
    code = "idp_response_invalid"
