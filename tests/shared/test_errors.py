"""Typed protocol errors and their stable codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import errors
from shared.errors import ERROR_CODES, ProtocolError, SignatureInvalid

EXPECTED_CODES = {
    "signature_invalid",
    "message_expired",
    "message_not_yet_valid",
    "algorithm_not_allowed",
    "unknown_key",
    "audience_invalid",
    "issuer_invalid",
    "message_malformed",
    "message_too_large",
    "unsupported_version",
    "upgrade_required",
    "message_type_invalid",
    "key_invalid",
    "uri_invalid",
}
PROTOCOL_DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def test_codes_are_the_documented_set() -> None:
    assert set(ERROR_CODES) == EXPECTED_CODES


def test_every_exported_error_is_registered() -> None:
    exported = {
        getattr(errors, name)
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), ProtocolError)
    }
    assert exported - {ProtocolError} == set(ERROR_CODES.values())


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_code_maps_to_its_class(code: str) -> None:
    cls = ERROR_CODES[code]
    assert cls.code == code
    assert issubclass(cls, ProtocolError)


def test_detail_defaults_to_the_code() -> None:
    assert SignatureInvalid().detail == "signature_invalid"
    assert str(SignatureInvalid("bad bytes")) == "bad bytes"


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        ERROR_CODES["x"] = ProtocolError  # type: ignore[index]


@pytest.mark.parametrize("code", sorted(EXPECTED_CODES))
def test_protocol_doc_lists_every_code(code: str) -> None:
    assert f"`{code}`" in PROTOCOL_DOC.read_text(encoding="utf-8")
