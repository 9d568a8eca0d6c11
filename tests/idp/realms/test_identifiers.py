"""INE check characters and realm identifier formats (seed 004)."""

from __future__ import annotations

import pytest

from idp.realms.identifiers import (
    ALPHABET_23,
    IdentifierFormats,
    IdentifierKind,
    IneFormat,
    bea_check_letter,
    ine_base_check_digit,
    ine_format,
    is_valid_ine,
    normalize_ine,
)


def test_alphabet_23_has_no_i_o_q() -> None:
    assert len(ALPHABET_23) == 23
    assert not set("IOQ") & set(ALPHABET_23)


@pytest.mark.parametrize(
    ("digits", "letter"),
    [("0000000000", "A"), ("0000000022", "Z"), ("0000000023", "A"), ("0912345671", "C")],
)
def test_bea_check_letter(digits: str, letter: str) -> None:
    assert bea_check_letter(digits) == letter


def test_ine_base_check_digit() -> None:
    # 6 * (0+10+1+11+2+12+3+13+4) + 14 = 350 -> 0
    assert ine_base_check_digit("0A1B2C3D4E") == "0"
    assert ine_base_check_digit("1X7Y4Z2W9V") == "3"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0912345671C", IneFormat.BEA),
        ("0912345671c", IneFormat.BEA),
        (" 0912 345 671 C ", IneFormat.BEA),
        ("1X7Y4Z2W9V3", IneFormat.INE_BASE),
        ("123456789AB", IneFormat.RNIE),
        ("1234A12345F", IneFormat.APPRENTISSAGE),
        ("0912345671D", None),  # wrong check letter
        ("1X7Y4Z2W9V4", None),  # wrong check digit
        ("0912345671", None),  # too short
        ("0912345671CC", None),  # too long
        ("09123-5671C", None),
        ("", None),
        ("ÉÉÉÉÉÉÉÉÉÉÉ", None),
    ],
)
def test_ine_format(value: str, expected: IneFormat | None) -> None:
    assert ine_format(value) == expected
    assert is_valid_ine(value) is (expected is not None)


def test_realm_may_restrict_ine_formats() -> None:
    assert is_valid_ine("123456789AB", frozenset({IneFormat.RNIE}))
    assert not is_valid_ine("0912345671C", frozenset({IneFormat.RNIE}))
    formats = IdentifierFormats(ine_formats=[IneFormat.BEA])
    assert formats.accepts(IdentifierKind.INE, "0912345671C")
    assert not formats.accepts(IdentifierKind.INE, "123456789AB")


def test_normalize_ine() -> None:
    assert normalize_ine(" 0912 345671c\t") == "0912345671C"


def test_declared_formats_are_full_matches() -> None:
    formats = IdentifierFormats(student_number="[0-9]{8}", staff_number="[0-9]{6}")
    assert formats.accepts(IdentifierKind.STUDENT_NUMBER, "22104578")
    assert not formats.accepts(IdentifierKind.STUDENT_NUMBER, "221045789")
    assert not formats.accepts(IdentifierKind.STUDENT_NUMBER, "x22104578")
    assert formats.accepts(IdentifierKind.STAFF_NUMBER, "071234")
    # No declared format: anything without spaces.
    assert formats.accepts(IdentifierKind.UID, "nroux")
    assert not formats.accepts(IdentifierKind.UID, "n roux")
    assert not formats.accepts(IdentifierKind.UID, "")


def test_bad_regex_is_a_validation_error() -> None:
    with pytest.raises(ValueError, match="regular expression"):
        IdentifierFormats(student_number="[0-9")


@pytest.mark.parametrize("bad", ["091234567", "09123456789", "A912345671"])
def test_bea_check_letter_needs_ten_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="10 digits"):
        bea_check_letter(bad)
