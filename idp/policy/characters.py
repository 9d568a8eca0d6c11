"""Classify the characters of a candidate password once, for every class-based rule."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["CharacterProfile", "display_character", "profile"]


@dataclass(frozen=True)
class CharacterProfile:
    has_lower: bool
    has_upper: bool
    has_digit: bool
    has_special: bool
    has_space: bool
    # Characters that are never acceptable (control, format, private-use, unassigned) plus,
    # when the policy restricts the special set, the special characters outside it.
    forbidden: frozenset[str]


def profile(password: str, special_chars: str | None) -> CharacterProfile:
    """Walk the password once. Letters and digits are Unicode-aware (``é`` is a lowercase
    letter); whitespace is never counted as a special character."""
    lower = upper = digit = special = space = False
    forbidden: set[str] = set()
    for ch in password:
        if ch.isspace():
            space = True
            continue
        category = unicodedata.category(ch)
        if category[0] == "M":
            continue  # a combining mark left after NFC belongs to the preceding character
        if category[0] == "C":
            # Invisible or unassigned code points make a password impossible to type
            # reliably and are a classic smuggling vector: refused whatever the realm says.
            forbidden.add(ch)
            continue
        if ch.isalnum():
            lower = lower or ch.islower()
            upper = upper or ch.isupper()
            digit = digit or ch.isdecimal()
            continue
        if special_chars is not None and ch not in special_chars:
            forbidden.add(ch)
        else:
            special = True
    return CharacterProfile(lower, upper, digit, special, space, frozenset(forbidden))


def display_character(ch: str) -> str:
    """How a character is shown back to the user: itself, or its code point if invisible."""
    if ch.isspace() or unicodedata.category(ch)[0] == "C":
        return f"U+{ord(ch):04X}"
    return ch
