"""The IdP's own error codes of the push service and device API, spelled once.

They travel in :class:`shared.messages.ErrorBody` ``error`` next to the protocol codes of
:mod:`shared.errors` (``docs/protocol.md`` §7). Each side maps them on its own side: the IdP to
exception classes with an HTTP status (``idp.push.errors``), the app to the typed errors it
raises and the sentences it shows (``authenticator_app.core.idp_errors``, ``.catalog``). A test
checks that both sides cover exactly this set.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ACTIVATION_CODE_EXPIRED",
    "ACTIVATION_CODE_UNKNOWN",
    "ACTIVATION_CODE_USED",
    "CHALLENGE_ALREADY_DECIDED",
    "CHALLENGE_EXPIRED",
    "CHALLENGE_NOT_FOUND",
    "CHALLENGE_SUPERSEDED",
    "DEVICE_AUTH_REQUIRED",
    "DEVICE_REVOKED",
    "DEVICE_UNKNOWN",
    "NONCE_MISMATCH",
    "NO_DEVICE",
    "NUMBER_MISMATCH",
    "NUMBER_REQUIRED",
    "PUSH_BLOCKED",
    "PUSH_ERROR_CODES",
    "PUSH_RATE_LIMITED",
    "REALM_UNKNOWN",
    "TOKEN_REPLAYED",
    "TOKEN_WRONG_REQUEST",
]

# enrollment
ACTIVATION_CODE_UNKNOWN: Final = "activation_code_unknown"
ACTIVATION_CODE_EXPIRED: Final = "activation_code_expired"
ACTIVATION_CODE_USED: Final = "activation_code_used"
# the realm in the URL
REALM_UNKNOWN: Final = "realm_unknown"
# device authentication
DEVICE_AUTH_REQUIRED: Final = "device_auth_required"
DEVICE_UNKNOWN: Final = "device_unknown"
DEVICE_REVOKED: Final = "device_revoked"
TOKEN_REPLAYED: Final = "token_replayed"  # noqa: S105 - an error code, not a secret
TOKEN_WRONG_REQUEST: Final = "token_wrong_request"  # noqa: S105 - an error code
# challenges and decisions
CHALLENGE_NOT_FOUND: Final = "challenge_not_found"
CHALLENGE_EXPIRED: Final = "challenge_expired"
CHALLENGE_ALREADY_DECIDED: Final = "challenge_already_decided"
CHALLENGE_SUPERSEDED: Final = "challenge_superseded"
NUMBER_MISMATCH: Final = "number_mismatch"
NONCE_MISMATCH: Final = "nonce_mismatch"
NUMBER_REQUIRED: Final = "number_required"
# sending a challenge
NO_DEVICE: Final = "no_device"
PUSH_RATE_LIMITED: Final = "push_rate_limited"
PUSH_BLOCKED: Final = "push_blocked"

PUSH_ERROR_CODES: Final[frozenset[str]] = frozenset(
    {
        ACTIVATION_CODE_UNKNOWN,
        ACTIVATION_CODE_EXPIRED,
        ACTIVATION_CODE_USED,
        REALM_UNKNOWN,
        DEVICE_AUTH_REQUIRED,
        DEVICE_UNKNOWN,
        DEVICE_REVOKED,
        TOKEN_REPLAYED,
        TOKEN_WRONG_REQUEST,
        CHALLENGE_NOT_FOUND,
        CHALLENGE_EXPIRED,
        CHALLENGE_ALREADY_DECIDED,
        CHALLENGE_SUPERSEDED,
        NUMBER_MISMATCH,
        NONCE_MISMATCH,
        NUMBER_REQUIRED,
        NO_DEVICE,
        PUSH_RATE_LIMITED,
        PUSH_BLOCKED,
    }
)
"""Every code above."""
