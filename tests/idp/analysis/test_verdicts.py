"""The analyzer's verdicts for the four built-in realms and for small synthetic presets.

Expected tables are written from the seed guides (/work/shared/seeds/), not from the code:
jasmin resets with the app's notification (or a code from it, or a recovery code) and signs in
with password + push; nouvelle-aquitaine resets with an emailed code; metamots with an emailed
link after five identity fields; uphf with a number + birth date and the joker question.
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from idp.analysis import analyze
from idp.analysis.journeys import Goal
from idp.realms import RealmPreset, load_builtin_presets
from idp.realms.checks import implementation_issues
from idp.realms.preset import PRESET_DIR
from idp.recovery.capabilities import Capability
from idp.recovery.steps import STEPS

R, S, B, C, A = (
    Goal.RESET_PASSWORD,
    Goal.SIGN_IN,
    Goal.REBIND_SECOND_FACTOR,
    Goal.CHANGE_RECOVERY,
    Goal.ACTIVATE_ACCOUNT,
)
PRESETS = {p.slug: p for p in load_builtin_presets()}


def table(slug: str) -> dict[str, dict[Goal, bool]]:
    analysis = analyze(PRESETS[slug])
    return {
        code: {goal: verdict.possible for goal, verdict in goals.items()}
        for code, goals in analysis.verdicts.items()
    }


def yes(*goals: Goal, of: tuple[Goal, ...]) -> dict[Goal, bool]:
    return {g: g in goals for g in of}


ALL4 = (R, S, B, C)
NO_2FA = (R, S, C)
CAS = (R, S, C, A)  # uphf: Sésame's « Activer mon compte » too


def test_jasmin_only_the_phone_or_a_recovery_code_takes_the_account() -> None:
    verdicts = table("jasmin")
    assert verdicts["phone"] == yes(R, S, B, C, of=ALL4)
    assert verdicts["recovery_code"] == yes(R, S, B, C, of=ALL4)
    # The password alone meets the second factor at sign-in.
    for code in ("mailbox", "password", "personal_data", "personal_data_mailbox", "old_password"):
        assert verdicts[code] == yes(of=ALL4), code
    assert verdicts["personal_data_secret_answer"] == yes(of=ALL4)


def test_nouvelle_aquitaine_falls_to_the_mailbox() -> None:
    verdicts = table("nouvelle-aquitaine")
    assert verdicts["mailbox"] == yes(R, S, C, of=NO_2FA)
    assert verdicts["personal_data_mailbox"] == yes(R, S, C, of=NO_2FA)
    # The password signs in, changes the address of record, and then resets at will.
    assert verdicts["password"] == yes(R, S, C, of=NO_2FA)
    for code in ("phone", "personal_data", "old_password", "recovery_code"):
        assert verdicts[code] == yes(of=NO_2FA), code


def test_metamots_needs_the_mailbox_and_the_identity_fields() -> None:
    verdicts = table("metamots")
    assert verdicts["mailbox"] == yes(of=NO_2FA)
    assert verdicts["personal_data"] == yes(of=NO_2FA)
    assert verdicts["personal_data_mailbox"] == yes(R, S, C, of=NO_2FA)
    assert verdicts["password"] == yes(S, C, of=NO_2FA)


def test_uphf_falls_to_personal_data_and_the_joker_answer() -> None:
    verdicts = table("uphf")
    # Personal data alone activates an account that is not activated yet (number + birth
    # date, then the attacker picks the joker question and the password).
    assert verdicts["personal_data"] == yes(A, of=CAS)
    assert verdicts["personal_data_mailbox"] == yes(A, of=CAS)
    assert verdicts["personal_data_secret_answer"] == yes(R, S, C, A, of=CAS)
    assert verdicts["mailbox"] == yes(of=CAS)
    assert verdicts["password"] == yes(S, C, of=CAS)
    assert verdicts["phone"] == yes(of=CAS)


def test_personal_data_stops_at_the_joker_question_in_uphf() -> None:
    blocked = analyze(PRESETS["uphf"]).verdicts["personal_data"][R].blocked
    assert blocked is not None
    assert blocked.gate == "verify_secret_question"
    assert blocked.missing == (("verify_secret_question", frozenset({Capability.SECRET_ANSWER})),)


def test_the_path_of_the_phone_in_jasmin_is_reset_then_sign_in_then_add_device() -> None:
    verdict = analyze(PRESETS["jasmin"]).verdicts["phone"][B]
    assert [a.goal for a in verdict.path] == [R, S, B]
    reset = verdict.path[0]
    assert [m.move for m in reset.moves] == [
        "entry_change_password",
        "captcha",
        "verify_push",
        "set_password",
        "done",
    ]
    assert [m.move for m in verdict.path[1].moves] == ["sign_in_password", "sign_in_push"]
    assert [m.move for m in verdict.path[2].moves] == ["session", "confirm_password", "add_device"]


def test_a_recovery_code_uses_the_alternative_step() -> None:
    reset = analyze(PRESETS["jasmin"]).verdicts["recovery_code"][R].path[0]
    assert "verify_recovery_code" in [m.move for m in reset.moves]


def test_the_uid_lets_a_birth_date_alone_through_identification() -> None:
    # UID is the login: anyone knowing the birth date passes the first uphf step.
    requirement = STEPS["identify_by_number_and_birth_date"].requirement(PRESETS["uphf"])
    assert requirement.met_by({Capability.IDENTIFIER, Capability.BIRTH_DATE}) is not None
    assert requirement.met_by({Capability.IDENTIFIER}) is None


def test_every_step_declares_a_requirement_for_every_builtin_realm() -> None:
    for preset in PRESETS.values():
        for name in STEPS:
            assert STEPS[name].requirement(preset).alternatives is not None


# --- synthetic presets: a flow is written in TOML, not Python ------------------------------


def synthetic(base: str = "nouvelle-aquitaine", **changes: Any) -> RealmPreset:
    """A built-in preset with ``changes`` (``table__key=value``; None removes the key)."""
    data = tomllib.loads((PRESET_DIR / f"{base}.toml").read_text(encoding="utf-8"))
    data["slug"] = "synthetic"
    data["demo_users"] = []
    for dotted, value in changes.items():
        node = data
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    preset = RealmPreset.model_validate(data)
    assert implementation_issues(preset, STEPS.keys()) == []
    return preset


def test_a_secret_question_flow_falls_to_its_answer_alone() -> None:
    preset = synthetic(
        recovery__steps=["identify_by_email", "verify_secret_question", "set_password", "done"],
        recovery__choose_category=None,
        recovery__email_code=None,
        recovery__apply_async=None,
    )
    analysis = analyze(preset)
    assert analysis.verdicts["personal_data_secret_answer"][R].possible is False  # no address
    assert analysis.verdicts["mailbox"][R].possible is False  # mailbox without the answer
    codes = {f.code for f in analysis.findings}
    assert {"kba_secret_question", "recovery_by_knowledge_alone"} <= codes


def test_email_then_push_needs_both() -> None:
    preset = synthetic(
        base="jasmin",
        recovery__entry="login",
        recovery__steps=[
            "identify_by_email",
            "verify_email_code",
            "verify_push",
            "set_password",
            "done",
        ],
        recovery__alternatives=None,
        recovery__captcha=None,
    )
    analysis = analyze(preset)
    assert analysis.verdicts["mailbox"][R].possible is False
    assert analysis.verdicts["phone"][R].possible is False
    blocked = analysis.verdicts["mailbox"][R].blocked
    assert blocked is not None
    assert blocked.gate == "verify_push"
    assert "email_or_sms_sole_recovery_factor" not in {f.code for f in analysis.findings}


def test_a_push_realm_reset_by_email_alone_bypasses_nothing_at_sign_in() -> None:
    # The mailbox resets the password, but the sign-in still asks for the phone.
    preset = synthetic(
        base="jasmin",
        recovery__entry="login",
        recovery__steps=["identify_by_email", "verify_email_code", "set_password", "done"],
        recovery__alternatives=None,
        recovery__captcha=None,
    )
    analysis = analyze(preset)
    assert analysis.verdicts["mailbox"][R].possible is True
    assert analysis.verdicts["mailbox"][S].possible is False
    codes = {f.code for f in analysis.findings}
    assert "email_or_sms_sole_recovery_factor" in codes
    assert "recovery_bypasses_second_factor" not in codes


def test_without_a_second_factor_at_sign_in_the_email_reset_is_a_bypass() -> None:
    preset = synthetic(
        base="jasmin",
        push__sign_in_second_factor=False,
        recovery__entry="login",
        recovery__steps=["identify_by_email", "verify_email_code", "set_password", "done"],
        recovery__alternatives=None,
        recovery__captcha=None,
    )
    analysis = analyze(preset)
    assert analysis.verdicts["mailbox"][S].possible is True
    # Rebinding: the attacker signs in without the phone and enrolls their own.
    assert analysis.verdicts["mailbox"][B].possible is True


def test_push_without_number_matching_is_flagged() -> None:
    # Allowed for sign-in pushes only (a recovery push must match a number).
    preset = synthetic(
        base="jasmin",
        push__matching_mode="none",
        recovery__steps=["captcha", "verify_totp", "set_password", "done"],
        recovery__alternatives=None,
    )
    codes = {f.code for f in analyze(preset).findings}
    assert "push_without_number_matching" in codes


def test_totp_alternative_needs_a_seed() -> None:
    preset = synthetic(
        base="jasmin",
        push__offer_totp=False,
        recovery__alternatives={"verify_push": ["verify_recovery_code"]},
    )
    requirement = STEPS["verify_totp"].requirement(preset)
    assert requirement.alternatives == ()
    # The push is still there: the phone resets.
    assert analyze(preset).verdicts["phone"][R].possible is True


@pytest.mark.parametrize("slug", sorted(PRESETS))
def test_no_attacker_set_is_missing(slug: str) -> None:
    analysis = analyze(PRESETS[slug])
    assert len(analysis.verdicts) == 8
    has_push = PRESETS[slug].push.enabled
    for goals in analysis.verdicts.values():
        assert (B in goals) is has_push
        assert (A in goals) is (slug == "uphf")
