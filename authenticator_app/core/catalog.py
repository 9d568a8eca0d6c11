"""The one catalog of user-facing English messages, keyed by stable error code.

The CLI prints them as ``error [code]: message``; the GUI translates by code (the English text is
the msgid). Unknown codes (a newer IdP) get a generic sentence that still names the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["MESSAGES", "message_for"]

MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # input
        "pin_empty": "the PIN must not be empty",
        "pin_unavailable": "no PIN: set AUTHENTICATOR_PIN or run the command in a terminal",
        "pin_mismatch": "the two PINs differ",
        "pin_too_short": "a new PIN needs at least 6 digits",
        "pin_not_digits": "a PIN is made of digits (0-9) only",
        "uri_invalid": "this is not a valid account URI",
        "uri_unsupported": (
            "unsupported URI: expected otpauth://idp-push/, otpauth://pipush/ (privacyIDEA), "
            "otpauth://totp/ or otpauth://hotp/"
        ),
        "uri_issuer_mismatch": "the issuer in the label and the issuer parameter differ",
        "uri_insecure": (
            "the enrollment URI points to a plain http:// address that is not on this machine "
            "(use --allow-insecure-http only on a test network)"
        ),
        "uri_version_unsupported": "this enrollment URI needs a newer version of the app",
        "enrollment_offer_expired": "the enrollment offer has expired: ask the IdP for a new one",
        "device_name_invalid": "the device name must be 1 to 120 printable characters",
        "import_malformed": (
            "this is not a file or URI authenticator import reads (Google Authenticator export, "
            "Aegis export, otpauth:// lines, this app's backup), or it is damaged"
        ),
        "import_password_wrong": "wrong password for this export or backup",
        "import_version_unsupported": "this export or backup needs a newer version of the app",
        "import_too_large": "the file is too large to be an export (5 MiB at most)",
        "import_unreadable": "cannot read the file to import",
        "export_exists": "the export file exists: choose another name or pass --force",
        "export_write_failed": "cannot write the export file",
        "backup_password_missing": (
            "no backup password: set AUTHENTICATOR_BACKUP_PASSWORD or run the command in a terminal"
        ),
        "backup_password_mismatch": "the two backup passwords differ",
        "backup_password_too_short": "a backup password needs at least 8 characters",
        "account_not_found": "no account matches",
        "account_ambiguous": "several accounts match: be more specific",
        "account_has_no_code": "this account has no one-time codes (push only)",
        "no_push_account": "no push account in the vault: add one with an enrollment URI",
        "number_required": "an approval needs the number shown in the browser",
        "number_invalid": "the number must be between 0 and 99",
        "number_not_offered": "the number is not one of the three the app offers",
        "usage": "invalid command line",
        # vault
        "vault_missing": "no vault at this path: add an account first",
        "vault_exists": "a vault already exists at this path",
        "vault_pin_wrong": "wrong PIN",
        "vault_corrupted": "the vault file is damaged; it was left untouched",
        "vault_version_unsupported": (
            "the vault was written by a newer version of the app; it was left untouched"
        ),
        "vault_locked": "the vault is locked: unlock it with the PIN",
        "vault_busy": "another authenticator process holds the vault: try again",
        "vault_unreadable": "the vault file cannot be read",
        "vault_write_failed": "the vault could not be saved; the previous version is intact",
        # local refusals of a challenge
        "challenge_unsigned": "refused a challenge that is not signed with ES256 (unsigned?)",
        "challenge_signature_invalid": "refused a challenge whose signature does not verify",
        "challenge_unknown_key": "refused a challenge signed by a key this account does not trust",
        "challenge_expired": "the challenge has expired",
        "challenge_not_yet_valid": "refused a challenge issued in the future (check the clock)",
        "challenge_wrong_audience": "refused a challenge meant for another device",
        "challenge_wrong_issuer": "refused a challenge from another realm",
        "challenge_malformed": "refused a malformed challenge",
        "challenge_version_unsupported": "refused a challenge from a newer protocol version",
        "challenge_replayed": "refused a challenge that was already answered (replay)",
        "challenge_superseded": "a newer request replaced this challenge",
        "challenge_refused": "refused a challenge",
        "no_challenge": "no challenge arrived in time",
        "no_trace": "this device recorded nothing about that challenge",
        "challenge_capabilities_invalid": (
            "refused a privacyIDEA challenge whose capabilities signature does not verify"
        ),
        "pi_refused": "privacyIDEA refused the request",
        "pi_answer_rejected": (
            "privacyIDEA did not accept the answer: wrong number, or the request is no longer open"
        ),
        # network
        "idp_unreachable": "the IdP cannot be reached",
        "idp_unavailable": "the IdP is unavailable: try again later",
        "idp_response_invalid": "the IdP answered something this app does not understand",
        # the IdP's own codes (ErrorBody.error)
        "activation_code_unknown": "the IdP does not know this activation code",
        "activation_code_expired": "the activation code has expired: ask the IdP for a new one",
        "activation_code_used": "the activation code was already used",
        "device_auth_required": "the IdP asked for this device's signed credentials",
        "realm_unknown": "the IdP has no such realm (the account's address is wrong)",
        "device_unknown": "the IdP does not know this device (it may have been removed)",
        "device_revoked": "this device was removed from the account",
        "token_replayed": "the IdP saw this request twice (replay refused)",
        "token_wrong_request": "the IdP refused a request signed for another endpoint",
        "challenge_not_found": "the IdP does not know this challenge",
        "challenge_already_decided": "the challenge was already answered",
        "number_mismatch": "the number does not match the one shown in the browser",
        "nonce_mismatch": "the answer does not match this challenge (nonce)",
        "no_device": "no authenticator is enrolled for this account",
        "push_rate_limited": "too many requests: wait a moment",
        "push_blocked": "push-based recovery is blocked for this account for now",
        # protocol codes the IdP may return about this device's own messages
        "signature_invalid": "the IdP could not verify this device's signature",
        "message_expired": "the IdP says this device's request expired: check the clock",
        "message_not_yet_valid": "the IdP says this device's clock is ahead: check the clock",
        "message_malformed": "the IdP says the request was malformed",
        "message_too_large": "the IdP says the request was too large",
        "message_type_invalid": "the IdP refused the request's message type",
        "unsupported_version": "the IdP does not speak this protocol version",
        "upgrade_required": "the IdP no longer serves this app's version: update the app",
        "service_unavailable": "the IdP is temporarily unavailable: try again in a few seconds",
        "algorithm_not_allowed": "the IdP refused the signature algorithm",
        "unknown_key": "the IdP does not know this device's key",
        "audience_invalid": "the IdP says the request was for another realm",
        "issuer_invalid": "the IdP refused the request's issuer",
        "key_invalid": "the IdP refused this device's key",
    }
)


def message_for(code: str, detail: str = "") -> str:
    """The catalog's sentence for ``code``; a generic one naming the code otherwise."""
    text = MESSAGES.get(code)
    if text is not None:
        return text
    if detail:
        return detail
    return f"the request failed ({code})"
