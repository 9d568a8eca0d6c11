"""Every code has a French message; the seeds' wording is used where they show it."""

from __future__ import annotations

from idp.policy import (
    PasswordPolicy,
    RuleCode,
    RuleDescription,
    Violation,
    ViolationCode,
    rules_for,
)
from idp.policy.messages import rule_message, violation_message

SAMPLE_PARAMS = {"min": 8, "max": 30, "count": 3, "characters": ["!", "?"], "days": 90}


def test_every_violation_code_has_a_message() -> None:
    for code in ViolationCode:
        text = str(violation_message(Violation(code, SAMPLE_PARAMS)))
        assert text
        assert "%(" not in text


def test_every_rule_code_has_a_message() -> None:
    for code in RuleCode:
        text = str(rule_message(RuleDescription(code, SAMPLE_PARAMS)))
        assert text
        assert "%(" not in text


def test_seed_001_wording() -> None:
    policy = PasswordPolicy(
        min_length=8, require_lower=True, require_upper=True, require_digit=True
    )
    assert [str(rule_message(r)) for r in rules_for(policy)] == [
        "8 caractères minimum",
        "1 minuscule minimum",
        "1 majuscule minimum",
        "1 chiffre minimum",
    ]


def test_seed_004_wording() -> None:
    policy = PasswordPolicy(
        min_length=12,
        max_length=30,
        require_special=True,
        special_chars="!?",
        allow_spaces=False,
        forbid_login=True,
        history=3,
    )
    assert [str(rule_message(r)) for r in rules_for(policy)] == [
        "Doit comporter entre 12 et 30 caractères",
        "1 caractère spécial minimum parmi : ! ?",
        "Ne doit comporter aucun espace",
        "Ne doit pas contenir votre login",
        "Doit être différent des 3 derniers mots de passe que vous avez choisis",
    ]


def test_violation_messages_follow_the_parameters() -> None:
    too_short = Violation(ViolationCode.TOO_SHORT, {"min": 8})
    assert str(violation_message(too_short)) == "8 caractères minimum"
    too_long = Violation(ViolationCode.TOO_LONG, {"max": 256})
    assert str(violation_message(too_long)) == "256 caractères maximum"
    forbidden = Violation(ViolationCode.FORBIDDEN_CHARACTER, {"characters": ["-", "_"]})
    assert str(violation_message(forbidden)) == "Caractères non autorisés : - _"
    once = Violation(ViolationCode.REUSED, {"count": 1})
    assert "du dernier mot de passe" in str(violation_message(once))


def test_max_age_reminder_of_seed_000() -> None:
    text = str(rule_message(RuleDescription(RuleCode.MAX_AGE, {"days": 90})))
    assert text == "Il vous sera demandé de le réinitialiser tous les 90 jours"
