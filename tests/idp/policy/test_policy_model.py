"""PasswordPolicy validation: impossible or ambiguous policies are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from idp.policy import PasswordPolicy


def error_fields(**kwargs: object) -> list[str]:
    with pytest.raises(ValidationError) as info:
        PasswordPolicy.model_validate(kwargs)
    return [".".join(str(p) for p in e["loc"]) for e in info.value.errors()]


def test_defaults_only_check_length() -> None:
    policy = PasswordPolicy()
    assert policy.min_length == 8
    assert policy.max_length is None
    assert policy.allow_spaces
    assert policy.required_classes == 0


def test_max_below_min() -> None:
    assert error_fields(min_length=12, max_length=8) == ["max_length"]
    assert PasswordPolicy(min_length=12, max_length=12).max_length == 12


@pytest.mark.parametrize("chars", ["", "abc!", "! ?", "!!", "\x00!"])
def test_special_chars_must_be_distinct_visible_specials(chars: str) -> None:
    assert error_fields(special_chars=chars) == ["special_chars"]


def test_strict_types() -> None:
    assert error_fields(min_length="8", require_upper="yes", history=1.5) == [
        "min_length",
        "require_upper",
        "history",
    ]


def test_unknown_keys_are_refused() -> None:
    assert error_fields(min_lenght=8) == ["min_lenght"]


def test_ranges() -> None:
    assert error_fields(min_length=0, min_zxcvbn_score=5, max_age_days=0) == [
        "min_length",
        "min_zxcvbn_score",
        "max_age_days",
    ]
