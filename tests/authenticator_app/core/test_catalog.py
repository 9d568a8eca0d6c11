"""Every stable code the core can raise has a sentence in the one catalog."""

from __future__ import annotations

import inspect

from authenticator_app.core import errors, idp_errors
from authenticator_app.core.catalog import MESSAGES, message_for
from authenticator_app.core.challenges import REFUSAL_CODES


def _codes(module: object) -> set[str]:
    return {
        cls.code
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, errors.AuthenticatorError)
        and cls.code not in {"authenticator_error", "vault_error", "idp_refused"}
    }


def test_every_error_class_has_a_message() -> None:
    missing = (_codes(errors) | _codes(idp_errors)) - MESSAGES.keys()
    assert missing == set()


def test_every_challenge_refusal_has_a_message() -> None:
    assert set(REFUSAL_CODES.values()) | {"challenge_malformed", "challenge_replayed"} <= set(
        MESSAGES
    )


def test_unknown_codes_still_say_something() -> None:
    assert message_for("brand_new_code") == "the request failed (brand_new_code)"
    assert message_for("brand_new_code", "IdP text") == "IdP text"


def test_messages_are_one_plain_line() -> None:
    for code, text in MESSAGES.items():
        assert "\n" not in text, code
        assert text == text.strip(), code
        assert text[0].islower(), code  # printed after "error [code]: "


def test_idp_error_builds_the_typed_class() -> None:
    error = idp_errors.idp_error("number_mismatch", "nope", status=422)
    assert isinstance(error, idp_errors.NumberMismatch)
    assert (error.code, error.status, error.kind) == ("number_mismatch", 422, "refused")
    other = idp_errors.idp_error("brand_new_code", "slow down", status=429)
    assert type(other) is idp_errors.IdpRefused
    assert other.code == "brand_new_code"
