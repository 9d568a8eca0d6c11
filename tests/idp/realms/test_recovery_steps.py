"""A recovery flow is only accepted when its steps make a safe, complete flow."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from idp.realms.issues import ISSUES_ERROR_TYPE, join_path
from idp.realms.recovery import STEP_NAMES, STEP_OPTION_TABLES, RecoverySettings


def issues(data: dict[str, object]) -> list[tuple[str, str]]:
    """(field, message) pairs, with the relative paths of grouped issues expanded."""
    with pytest.raises(ValidationError) as info:
        RecoverySettings.model_validate(data)
    found: list[tuple[str, str]] = []
    for error in info.value.errors():
        base = ".".join(str(p) for p in error["loc"])
        if error["type"] == ISSUES_ERROR_TYPE:
            for sub, message in (error.get("ctx") or {})["issues"]:
                found.append((join_path(base, sub), message))
        else:
            found.append((base, error["msg"]))
    return found


def test_known_steps_are_the_design_list() -> None:
    assert STEP_NAMES == (
        "captcha",
        "identify_by_email",
        "identify_by_attributes",
        "identify_by_number_and_birth_date",
        "choose_category",
        "verify_push",
        "verify_totp",
        "verify_recovery_code",  # issue 16: the lost phone
        "verify_email_code",
        "verify_email_link",
        "verify_secret_question",
        "accept_rules",
        "set_password",
        "apply_async",
        "done",
    )
    assert set(STEP_OPTION_TABLES) <= set(STEP_NAMES)


def test_a_minimal_flow() -> None:
    settings = RecoverySettings.model_validate(
        {"entry": "change_password", "steps": ["verify_totp", "set_password", "done"]}
    )
    assert settings.options_for("set_password") == settings.set_password
    assert settings.options_for("verify_totp") is None


def test_duplicates_are_reported_at_their_index() -> None:
    found = issues(
        {
            "steps": [
                "identify_by_email",
                "verify_email_code",
                "verify_email_code",
                "set_password",
                "done",
            ]
        }
    )
    assert found == [("steps[2]", "'verify_email_code' appears twice (first at [1])")]


def test_done_only_at_the_end() -> None:
    found = issues({"steps": ["identify_by_email", "verify_email_code", "done", "set_password"]})
    assert ("steps[3]", "the flow must end with 'done'") in found
    found = issues(
        {"steps": ["identify_by_email", "done", "verify_email_code", "set_password", "done"]}
    )
    assert ("steps[1]", "'done' may only be the last step") in found


def test_set_password_is_required() -> None:
    found = issues({"steps": ["identify_by_email", "verify_email_code", "done"]})
    assert found == [("steps", "the flow must contain 'set_password'")]


def test_set_password_needs_a_verification_first() -> None:
    found = issues({"steps": ["identify_by_email", "set_password", "verify_email_code", "done"]})
    assert found == [("steps[1]", "'set_password' must come after at least one verify_* step")]


def test_apply_async_after_set_password() -> None:
    found = issues(
        {"steps": ["identify_by_email", "verify_email_code", "apply_async", "set_password", "done"]}
    )
    assert found == [("steps[2]", "'apply_async' must follow 'set_password'")]


def test_from_the_login_page_verification_needs_identification() -> None:
    found = issues({"entry": "login", "steps": ["captcha", "verify_push", "set_password", "done"]})
    assert found == [("steps[1]", "'verify_push' needs an identify_* step first")]


def test_non_default_options_of_an_absent_step_are_a_mistake() -> None:
    found = issues(
        {
            "steps": ["identify_by_email", "verify_email_code", "set_password", "done"],
            "email_link": {"ttl_seconds": 60},
        }
    )
    assert found == [("email_link", "configures a step that is not in recovery.steps")]


def test_choose_category_needs_categories_with_one_that_continues() -> None:
    steps = ["choose_category", "identify_by_email", "verify_email_code", "set_password", "done"]
    assert issues({"steps": steps}) == [
        ("choose_category.categories", "must list at least one category")
    ]
    categories = [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]
    found = issues({"steps": steps, "choose_category": {"categories": categories}})
    assert ("choose_category.categories[1].id", "duplicate category id 'a'") in found
    assert (
        "choose_category.categories",
        "at least one category must have continues = true",
    ) in found


def test_option_ranges_and_unknown_options() -> None:
    found = issues(
        {
            "steps": ["identify_by_email", "verify_email_code", "set_password", "done"],
            "email_code": {"ttl_seconds": 5, "lenght": 6},
        }
    )
    assert [f for f, _ in found] == ["email_code.ttl_seconds", "email_code.lenght"]
