"""evaluate() returns every broken rule; a table of passwords per realm preset."""

from __future__ import annotations

from functools import cache

import pytest

from idp.policy import (
    ABSOLUTE_MAX_LENGTH,
    PasswordPolicy,
    RuleCode,
    Violation,
    ViolationCode,
    evaluate,
    explain,
    rules_for,
)
from idp.realms import RealmPreset, load_builtin_presets

UPHF_SPECIALS = list('!"#$%&()*+,/:;<=>?@[]^`{}~')


@cache
def presets() -> dict[str, RealmPreset]:
    return {p.slug: p for p in load_builtin_presets()}


def codes(password: str, slug: str, login: str, names: tuple[str, ...]) -> list[str]:
    policy = presets()[slug].password_policy
    return [v.code.value for v in evaluate(password, policy, login=login, names=names)]


JASMIN = ("jasmin", "camille.martin", ("Camille", "Martin"))
NA = ("nouvelle-aquitaine", "claire.fontaine", ("Claire", "Fontaine"))
METAMOTS = ("metamots", "sophie.bernard", ("Sophie", "Bernard"))
UPHF = ("uphf", "lea.dubois", ("Léa", "Dubois"))

TABLE = [
    # jasmin: 12-64, four classes, no login/names, not common, zxcvbn >= 3
    (*JASMIN, "Tournesol-Vert-42!", []),
    (*JASMIN, "Tournesol vert 42 !", []),
    (
        *JASMIN,
        "court",
        [
            "too_short",
            "missing_upper",
            "missing_digit",
            "missing_special",
            "common",
            "too_weak",
        ],
    ),
    (*JASMIN, "Password123!", ["common", "too_weak"]),
    (*JASMIN, "Bonjour2024!", ["common"]),
    (*JASMIN, "Azerty123456!", ["common"]),
    (*JASMIN, "Camille.Martin2024!", ["contains_login", "contains_name", "too_weak"]),
    (*JASMIN, "Rocher-Martin-77!", ["contains_name"]),
    (*JASMIN, "tournesol-vert-42!", ["missing_upper"]),
    (*JASMIN, "Tournesol-Vert-Quarante!", ["missing_digit"]),
    (*JASMIN, "A1!" + "x" * 70, ["too_long", "too_weak"]),
    # nouvelle-aquitaine: exactly 8+, lower, upper, digit
    (*NA, "Dune2Pilat", []),
    (*NA, "Dune 2 Pilat", []),
    (*NA, "Claire2024", []),
    (*NA, "password", ["missing_upper", "missing_digit"]),
    (*NA, "dune2pilat", ["missing_upper"]),
    (*NA, "Dune2", ["too_short"]),
    (*NA, "DUNEPILAT", ["missing_lower", "missing_digit"]),
    (*NA, "Dune2Pilat\x00", ["forbidden_character"]),
    (*NA, "", ["too_short", "missing_lower", "missing_upper", "missing_digit"]),
    # metamots: 8+, lower, upper, digit, special
    (*METAMOTS, "Azur!Riviera7", []),
    (*METAMOTS, "Azur_Riviera7", []),
    (*METAMOTS, "Azur Riviera7", ["missing_special"]),
    (*METAMOTS, "azur!riviera7", ["missing_upper"]),
    (*METAMOTS, "Az!7", ["too_short"]),
    (*METAMOTS, "AZUR!RIVIERA", ["missing_lower", "missing_digit"]),
    # uphf: 12-30, classes, special from the guide's set, no space, no login, history 3
    (*UPHF, "Valenciennes@2025", []),
    (*UPHF, "Éléphant@Rose12", []),
    (*UPHF, "Valenciennes`2025", []),
    (*UPHF, 'Guillemet"Droit2025', []),
    (*UPHF, "Valenciennes-2025", ["missing_special", "forbidden_character"]),
    (*UPHF, "Valenciennes_2025", ["missing_special", "forbidden_character"]),
    (*UPHF, "Valenciennes'2025", ["missing_special", "forbidden_character"]),
    (*UPHF, "Valenciennes|2025", ["missing_special", "forbidden_character"]),
    (*UPHF, "Valenciennes\\2025", ["missing_special", "forbidden_character"]),
    (*UPHF, "Valenciennes.2025", ["missing_special", "forbidden_character"]),
    (*UPHF, "Nœud€Papillon2024", ["missing_special", "forbidden_character"]),
    (*UPHF, "Valenciennes @2025", ["contains_space"]),
    (*UPHF, "Court@1a", ["too_short"]),
    (*UPHF, "Valenciennes@2025Valenciennes@2025", ["too_long"]),
    (*UPHF, "valenciennes@2025", ["missing_upper"]),
    (*UPHF, "Lea.Dubois@2025!", ["forbidden_character", "contains_login"]),
    (*UPHF, "xLÉA.DUBOISx@1A", ["forbidden_character", "contains_login"]),
    (
        *UPHF,
        "lea.dubois 1",
        [
            "missing_upper",
            "missing_special",
            "forbidden_character",
            "contains_space",
            "contains_login",
        ],
    ),
]


@pytest.mark.parametrize(("slug", "login", "names", "password", "expected"), TABLE)
def test_realm_password_table(
    slug: str, login: str, names: tuple[str, ...], password: str, expected: list[str]
) -> None:
    assert codes(password, slug, login, names) == expected


def test_every_realm_has_passing_and_failing_rows() -> None:
    for slug in presets():
        rows = [row for row in TABLE if row[0] == slug]
        assert any(not row[4] for row in rows)
        assert sum(1 for row in rows if row[4]) >= 4


def test_params_fill_the_messages() -> None:
    uphf = presets()["uphf"].password_policy
    found = evaluate("Court-1a", uphf, login="lea.dubois")
    assert found == [
        Violation(ViolationCode.TOO_SHORT, {"min": 12, "max": 30}),
        Violation(ViolationCode.MISSING_SPECIAL, {"characters": UPHF_SPECIALS}),
        Violation(ViolationCode.FORBIDDEN_CHARACTER, {"characters": ["-"]}),
    ]
    na = presets()["nouvelle-aquitaine"].password_policy
    assert evaluate("Ab1", na) == [Violation(ViolationCode.TOO_SHORT, {"min": 8})]


def test_violation_codes_are_plain_strings() -> None:
    found = evaluate("x", PasswordPolicy(min_length=2))
    assert found[0].code == "too_short"
    assert f"{found[0].code}" == "too_short"


def test_absolute_length_cap_applies_without_max_length() -> None:
    policy = PasswordPolicy(min_length=1)
    assert evaluate("a" * ABSOLUTE_MAX_LENGTH, policy) == []
    assert evaluate("a" * (ABSOLUTE_MAX_LENGTH + 1), policy) == [
        Violation(ViolationCode.TOO_LONG, {"max": ABSOLUTE_MAX_LENGTH})
    ]


def test_invisible_characters_are_always_forbidden() -> None:
    policy = PasswordPolicy(min_length=1)
    found = evaluate("abc\u200bdef\x07", policy)
    assert found == [
        Violation(ViolationCode.FORBIDDEN_CHARACTER, {"characters": ["U+0007", "U+200B"]})
    ]


def test_spaces_are_never_special() -> None:
    policy = PasswordPolicy(min_length=1, require_special=True)
    assert [v.code for v in evaluate("a b", policy)] == ["missing_special"]
    assert evaluate("a\u00a0b!", policy) == []  # no-break space is still a space


def test_accented_letters_count_as_letters() -> None:
    policy = PasswordPolicy(min_length=1, require_lower=True, require_upper=True)
    assert evaluate("éÉ", policy) == []
    assert [v.code for v in evaluate("ÉÇ", policy)] == ["missing_lower"]


def test_short_logins_and_names_are_not_searched() -> None:
    policy = PasswordPolicy(min_length=1, forbid_login=True, forbid_names=True)
    assert evaluate("liang", policy, login="li", names=["Ng"]) == []
    assert [v.code for v in evaluate("xxNGUYEN", policy, names=["Nguyen"])] == ["contains_name"]


def test_login_local_part_and_compound_names() -> None:
    policy = PasswordPolicy(min_length=1, forbid_login=True, forbid_names=True)
    found = evaluate("claire.f-2024", policy, login="claire.f@example.org")
    assert [v.code for v in found] == ["contains_login"]
    found = evaluate("pierre2024", policy, names=["Jean-Pierre", "Le Gall"])
    assert [v.code for v in found] == ["contains_name"]
    found = evaluate("gall2024", policy, names=["Jean-Pierre", "Le Gall"])
    assert [v.code for v in found] == ["contains_name"]


def test_rules_disabled_by_default() -> None:
    policy = PasswordPolicy()
    assert evaluate("camille camille", policy, login="camille", names=["Camille"]) == []
    assert [r.code for r in rules_for(policy)] == [RuleCode.LENGTH]


def test_rules_for_lists_the_realm_rules_in_display_order() -> None:
    uphf = rules_for(presets()["uphf"].password_policy)
    assert [r.code.value for r in uphf] == [
        "length",
        "lower",
        "upper",
        "digit",
        "special",
        "no_space",
        "no_login",
        "history",
    ]
    assert uphf[0].params == {"min": 12, "max": 30}
    assert uphf[4].params == {"characters": UPHF_SPECIALS}
    assert uphf[-1].params == {"count": 3}
    na = rules_for(presets()["nouvelle-aquitaine"].password_policy)
    assert [r.code.value for r in na] == ["length", "lower", "upper", "digit"]
    jasmin = rules_for(presets()["jasmin"].password_policy)
    assert jasmin[-1].code == RuleCode.MAX_AGE
    assert jasmin[-1].params == {"days": 90}


def test_every_violation_code_belongs_to_a_rule() -> None:
    policy = PasswordPolicy(
        max_length=20,
        require_lower=True,
        require_upper=True,
        require_digit=True,
        require_special=True,
        special_chars="!",
        allow_spaces=False,
        forbid_login=True,
        forbid_names=True,
        history=2,
        forbid_common=True,
        min_zxcvbn_score=4,
        max_age_days=30,
    )
    owned = {code for rule in rules_for(policy) for code in rule.violations}
    assert owned == set(ViolationCode)


def test_explain_pairs_each_rule_with_its_violations() -> None:
    policy = presets()["uphf"].password_policy
    outcomes = explain("lea.dubois 1", policy, login="lea.dubois")
    summary = {o.rule.code.value: [v.code.value for v in o.violations] for o in outcomes}
    assert summary == {
        "length": [],
        "lower": [],
        "upper": ["missing_upper"],
        "digit": [],
        "special": ["missing_special", "forbidden_character"],
        "no_space": ["contains_space"],
        "no_login": ["contains_login"],
        "history": [],
    }
    assert [o.passed for o in outcomes] == [True, True, False, True, False, False, False, True]


def test_explain_keeps_violations_no_rule_owns() -> None:
    outcomes = explain("Dune2Pilat\x00", presets()["nouvelle-aquitaine"].password_policy)
    assert outcomes[-1].rule.code == RuleCode.ALLOWED_CHARACTERS
    assert [v.code for v in outcomes[-1].violations] == ["forbidden_character"]
    assert all(o.passed for o in outcomes[:-1])


def test_passwords_are_evaluated_in_nfc() -> None:
    policy = PasswordPolicy(min_length=3, max_length=3, require_special=True, special_chars="!")
    decomposed = "e\u0301t!"  # "ét!" typed with a combining accent
    assert evaluate(decomposed, policy) == []
    assert [v.code for v in evaluate("x\u0301y", policy)] == ["missing_special"]
