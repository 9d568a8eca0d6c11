"""The password policy of a realm, as declared in its preset's ``[password_policy]`` table."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = ["ABSOLUTE_MAX_LENGTH", "PasswordPolicy"]

# Upper bound applied even when a realm sets no max_length: it keeps every rule (and the
# hashing that follows) cheap on hostile input. Forms should cap their fields below it.
ABSOLUTE_MAX_LENGTH = 256


class PasswordPolicy(BaseModel):
    """Rules a new password must satisfy. Every rule is off unless the preset turns it on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_length: int = Field(8, ge=1, le=ABSOLUTE_MAX_LENGTH, strict=True)
    max_length: int | None = Field(None, ge=1, le=ABSOLUTE_MAX_LENGTH, strict=True)
    require_lower: bool = Field(False, strict=True)
    require_upper: bool = Field(False, strict=True)
    require_digit: bool = Field(False, strict=True)
    require_special: bool = Field(False, strict=True)
    # When set, the only special characters allowed; any other character that is neither a
    # letter, a digit nor a space is a violation (``forbidden_character``).
    special_chars: str | None = Field(None, max_length=128, strict=True)
    allow_spaces: bool = Field(True, strict=True)
    forbid_login: bool = Field(False, strict=True)
    forbid_names: bool = Field(False, strict=True)
    # How many of the user's most recent passwords (the current one included) may not be reused.
    history: int = Field(0, ge=0, le=24, strict=True)
    forbid_common: bool = Field(False, strict=True)
    min_zxcvbn_score: int | None = Field(None, ge=0, le=4, strict=True)
    # A password older than this must be changed at the next sign-in.
    max_age_days: int | None = Field(None, ge=1, le=3650, strict=True)

    @property
    def required_classes(self) -> int:
        """How many character classes a password must contain."""
        return sum(
            (self.require_lower, self.require_upper, self.require_digit, self.require_special)
        )

    @property
    def effective_max_length(self) -> int:
        """The length limit actually enforced (the realm's, or the absolute cap)."""
        return self.max_length if self.max_length is not None else ABSOLUTE_MAX_LENGTH

    @field_validator("max_length")
    @classmethod
    def _max_not_below_min(cls, value: int | None, info: ValidationInfo) -> int | None:
        min_length: Any = info.data.get("min_length")
        if value is not None and isinstance(min_length, int) and value < min_length:
            raise ValueError(f"must be greater than or equal to min_length ({min_length})")
        return value

    @field_validator("special_chars")
    @classmethod
    def _special_chars_are_special(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value:
            raise ValueError(
                "must not be empty; leave it out to accept any special character, "
                "or list the allowed ones"
            )
        wrong = sorted({c for c in value if c.isalnum() or c.isspace() or not c.isprintable()})
        if wrong:
            shown = ", ".join(repr(c) for c in wrong)
            raise ValueError(
                f"must list only special characters, not letters, digits or spaces: {shown}"
            )
        if len(set(value)) != len(value):
            raise ValueError("lists a character twice")
        return value
