"""Identity attributes a user may carry, and how each is checked and stored."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date

from idp.errors import AttributeInvalid
from idp.realms.attributes import USER_ATTRIBUTE_KEYS, validate_user_attribute

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "HASHED_ATTRIBUTES",
    "normalise_answer",
    "normalise_name",
    "parse_attr_pairs",
    "validate_attributes",
]

ALLOWED_ATTRIBUTES = frozenset(USER_ATTRIBUTE_KEYS)
# Stored as an argon2id hash of the normalised value, under "<name>_hash".
HASHED_ATTRIBUTES = frozenset({"secret_answer"})


def normalise_name(value: str) -> str:
    """Case- and accent-insensitive form used to compare names ("Élodie" == "elodie")."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def normalise_answer(value: str) -> str:
    """Secret answers compare like names, and ignore inner spaces too."""
    return normalise_name(value).replace(" ", "")


def parse_attr_pairs(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Parse ``key=value`` strings from the command line; errors name the pair."""
    attrs: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AttributeInvalid(f"expected key=value, got {pair!r}", field=pair)
        if key in attrs:
            raise AttributeInvalid(f"attribute {key!r} given twice", field=key)
        attrs[key] = value.strip()
    return attrs


def validate_attributes(attrs: Mapping[str, str], *, today: date | None = None) -> dict[str, str]:
    """Check names and values (idp.realms.attributes); errors name the attribute."""
    clean: dict[str, str] = {}
    for key, value in attrs.items():
        try:
            clean[key] = validate_user_attribute(key, value, today=today)
        except ValueError as exc:
            raise AttributeInvalid(f"{key} {exc}", field=key) from exc
    if ("secret_question" in clean) != ("secret_answer" in clean):
        raise AttributeInvalid(
            "secret_question and secret_answer go together", field="secret_answer"
        )
    return clean
