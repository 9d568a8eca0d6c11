"""User attribute values (demo users, ``idp user create --attr``)."""

from __future__ import annotations

from datetime import date

import pytest

from idp.realms.attributes import USER_ATTRIBUTE_KEYS, parse_birth_date, validate_user_attribute

TODAY = date(2026, 11, 24)


def test_known_keys() -> None:
    assert set(USER_ATTRIBUTE_KEYS) == {
        "first_name",
        "last_name",
        "country",
        "organisation_type",
        "category",
        "student_number",
        "ine",
        "staff_number",
        "uid",
        "birth_date",
        "secret_question",
        "secret_answer",
    }


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("first_name", "  Hélène ", "Hélène"),
        ("country", "fr", "FR"),
        ("ine", "0912 345671c", "0912345671C"),
        ("birth_date", "2003-04-17", "2003-04-17"),
        ("birth_date", "2026-11-24", "2026-11-24"),
    ],
)
def test_valid_values_are_normalised(key: str, value: str, stored: str) -> None:
    assert validate_user_attribute(key, value, today=TODAY) == stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("nickname", "x", "not a known attribute"),
        ("first_name", "   ", "empty"),
        ("first_name", "x" * 201, "at most"),
        ("last_name", "Du\x00pont", "control"),
        ("country", "France", "ISO 3166"),
        ("ine", "0912345671D", "INE"),
        ("birth_date", "17/04/2003", "yyyy-mm-dd"),
        ("birth_date", "2003-02-29", "calendar date"),
        ("birth_date", "1899-12-31", "1900"),
        ("birth_date", "2026-11-25", "future"),
    ],
)
def test_invalid_values(key: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_user_attribute(key, value, today=TODAY)


def test_parse_birth_date() -> None:
    assert parse_birth_date("2000-02-29", today=TODAY) == date(2000, 2, 29)
