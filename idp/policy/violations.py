"""What a password-policy check reports: stable, machine-readable codes with their parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Violation", "ViolationCode"]


class ViolationCode(StrEnum):
    """Stable wire codes; messages are looked up from them (``idp.policy.messages``)."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    MISSING_LOWER = "missing_lower"
    MISSING_UPPER = "missing_upper"
    MISSING_DIGIT = "missing_digit"
    MISSING_SPECIAL = "missing_special"
    FORBIDDEN_CHARACTER = "forbidden_character"
    CONTAINS_SPACE = "contains_space"
    CONTAINS_LOGIN = "contains_login"
    CONTAINS_NAME = "contains_name"
    REUSED = "reused"
    COMMON = "common"
    TOO_WEAK = "too_weak"


@dataclass(frozen=True)
class Violation:
    """One rule the candidate password breaks; ``params`` fill the message placeholders."""

    code: ViolationCode
    params: dict[str, Any] = field(default_factory=dict)
