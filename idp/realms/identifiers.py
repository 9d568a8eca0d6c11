"""Identifier formats used to find an account without its login (seed 004, UPHF).

INE (Identifiant National Étudiant / Élève) is always 11 characters. Four shapes exist;
two have a check character whose algorithm is used by French university software
(ESUP-Portail's esup-transferts, ``CheckBEA23`` and ``CheckNNE36``):

* ``bea`` (Base Élèves Académique, before 2018): 10 digits + 1 check letter. The letter is
  ``ALPHABET_23[int(digits) % 23]`` where ``ALPHABET_23`` is A-Z without I, O and Q.
* ``ine-base`` (numbers issued by universities, e.g. ``0A1B2C3D4E`` + key): 10 characters in
  base 36 (0-9, A-Z) + 1 check digit: the last decimal digit of
  ``6 * (sum of the base-36 values of the first 9 characters) + value of the 10th``.
* ``rnie`` (Répertoire National des Identifiants Élèves, since 2018): 9 digits + 2 letters.
* ``apprentissage`` (apprentices, SIFA): 4 digits + ``A`` + 5 digits + 1 letter.

The check algorithm of the last two is not public: they are validated by shape only.
Student, staff and UID formats differ between institutions, so each realm declares them as
regular expressions in its preset (``[identifiers]``).
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ALPHABET_23",
    "IdentifierFormats",
    "IdentifierKind",
    "IneFormat",
    "bea_check_letter",
    "ine_base_check_digit",
    "ine_format",
    "is_valid_ine",
    "normalize_ine",
]

ALPHABET_23 = "ABCDEFGHJKLMNPRSTUVWXYZ"
INE_LENGTH = 11


class IneFormat(StrEnum):
    BEA = "bea"
    INE_BASE = "ine-base"
    RNIE = "rnie"
    APPRENTISSAGE = "apprentissage"


class IdentifierKind(StrEnum):
    """What the user types on the identification page of seed 004."""

    STUDENT_NUMBER = "student_number"
    INE = "ine"
    STAFF_NUMBER = "staff_number"
    UID = "uid"


_SHAPES: dict[IneFormat, re.Pattern[str]] = {
    IneFormat.BEA: re.compile(r"[0-9]{10}[A-Z]"),
    IneFormat.INE_BASE: re.compile(r"[0-9A-Z]{10}[0-9]"),
    IneFormat.RNIE: re.compile(r"[0-9]{9}[A-Z]{2}"),
    IneFormat.APPRENTISSAGE: re.compile(r"[0-9]{4}A[0-9]{5}[A-Z]"),
}


def normalize_ine(value: str) -> str:
    """Uppercase, without the spaces people type between groups."""
    return re.sub(r"\s+", "", value).upper()


def bea_check_letter(digits: str) -> str:
    """Check letter of a BEA number from its first 10 digits."""
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError("a BEA number starts with 10 digits")
    return ALPHABET_23[int(digits) % 23]


def ine_base_check_digit(body: str) -> str:
    """Check digit of a university-issued INE from its first 10 base-36 characters."""
    if not re.fullmatch(r"[0-9A-Z]{10}", body):
        raise ValueError("a university INE starts with 10 characters from 0-9 and A-Z")
    total = 6 * sum(int(c, 36) for c in body[:9]) + int(body[9], 36)
    return str(total % 10)


def ine_format(value: str) -> IneFormat | None:
    """The format of a valid INE (check character verified where one exists), else None.

    A BEA number is all digits plus a letter, so it also has the INE-base shape's first 10
    characters; it is told apart by its final letter (INE-base ends with a digit).
    """
    ine = normalize_ine(value)
    if len(ine) != INE_LENGTH:
        return None
    if _SHAPES[IneFormat.BEA].fullmatch(ine):
        return IneFormat.BEA if bea_check_letter(ine[:10]) == ine[10] else None
    if _SHAPES[IneFormat.INE_BASE].fullmatch(ine):
        return IneFormat.INE_BASE if ine_base_check_digit(ine[:10]) == ine[10] else None
    for fmt in (IneFormat.RNIE, IneFormat.APPRENTISSAGE):
        if _SHAPES[fmt].fullmatch(ine):
            return fmt
    return None


def is_valid_ine(value: str, formats: frozenset[IneFormat] | None = None) -> bool:
    fmt = ine_format(value)
    return fmt is not None and (formats is None or fmt in formats)


class IdentifierFormats(BaseModel):
    """A realm's identifier formats (``[identifiers]``): anchored regular expressions
    (matched with ``re.fullmatch``), and the INE formats it accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    student_number: str | None = Field(None, min_length=1, max_length=200, strict=True)
    staff_number: str | None = Field(None, min_length=1, max_length=200, strict=True)
    uid: str | None = Field(None, min_length=1, max_length=200, strict=True)
    ine_formats: list[IneFormat] = Field(default_factory=lambda: list(IneFormat), min_length=1)

    @field_validator("student_number", "staff_number", "uid")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"is not a valid regular expression: {exc}") from None
        return value

    @field_validator("ine_formats")
    @classmethod
    def _unique(cls, value: list[IneFormat]) -> list[IneFormat]:
        if len(set(value)) != len(value):
            raise ValueError("lists a format twice")
        return value

    def pattern(self, kind: IdentifierKind) -> str | None:
        if kind is IdentifierKind.INE:
            return None
        pattern: str | None = getattr(self, kind.value)
        return pattern

    def accepts(self, kind: IdentifierKind, value: str) -> bool:
        """Does ``value`` have the realm's format for ``kind``? (No declared format: any
        non-empty value without spaces.)"""
        if kind is IdentifierKind.INE:
            return is_valid_ine(value, frozenset(self.ine_formats))
        pattern = self.pattern(kind)
        if pattern is None:
            return bool(value) and not any(c.isspace() for c in value)
        return re.fullmatch(pattern, value) is not None
