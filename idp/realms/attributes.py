"""User attributes a realm can hold (seeds 001, 003, 004) and how each value is checked.

Used by the preset's demo users and by ``idp user create --attr key=value``.
"""

from __future__ import annotations

import re
from datetime import date

from idp.realms.identifiers import is_valid_ine, normalize_ine

__all__ = [
    "MAX_ATTRIBUTE_LENGTH",
    "USER_ATTRIBUTE_KEYS",
    "parse_birth_date",
    "validate_user_attribute",
]

USER_ATTRIBUTE_KEYS: tuple[str, ...] = (
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
)
MAX_ATTRIBUTE_LENGTH = 200
_EARLIEST_BIRTH_YEAR = 1900
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def parse_birth_date(value: str, *, today: date | None = None) -> date:
    """A birth date written ``yyyy-mm-dd``: a real calendar date, not in the future."""
    if not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written yyyy-mm-dd")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a calendar date") from None
    if parsed.year < _EARLIEST_BIRTH_YEAR:
        raise ValueError(f"must not be before {_EARLIEST_BIRTH_YEAR}")
    if parsed > (today or date.today()):
        raise ValueError("must not be in the future")
    return parsed


def validate_user_attribute(key: str, value: str, *, today: date | None = None) -> str:
    """The value to store for ``key``, normalised; ``ValueError`` says what is wrong.

    Realm-specific formats (student and staff numbers, organisation types, categories) are
    checked against the preset separately.
    """
    if key not in USER_ATTRIBUTE_KEYS:
        raise ValueError(f"is not a known attribute (known: {', '.join(USER_ATTRIBUTE_KEYS)})")
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    if len(text) > MAX_ATTRIBUTE_LENGTH:
        raise ValueError(f"must be at most {MAX_ATTRIBUTE_LENGTH} characters")
    if any(not c.isprintable() for c in text):
        raise ValueError("must not contain control characters")
    if key == "birth_date":
        parse_birth_date(text, today=today)
    elif key == "country":
        text = text.upper()
        if not _COUNTRY.fullmatch(text):
            raise ValueError("must be an ISO 3166-1 alpha-2 country code such as FR")
    elif key == "ine":
        text = normalize_ine(text)
        if not is_valid_ine(text):
            raise ValueError("is not a valid INE (11 characters with a correct check character)")
    return text
