"""The recovery flow of a realm: its ordered steps (DESIGN.md §2); each configurable step has
an options table (``idp.realms.step_options``).

A developer composes a flow by editing the ``[recovery]`` table of a preset::

    [recovery]
    steps = ["identify_by_email", "verify_email_code", "set_password", "done"]

    [recovery.email_code]
    ttl_seconds = 600

A verification step may offer alternatives the user can pick instead (Entra's "choose a
method"): ``[recovery.alternatives]`` maps a ``verify_*`` step of ``steps`` to other
``verify_*`` steps, e.g. ``verify_push = ["verify_totp"]``; the declared step comes first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from idp.realms.issues import issues_error
from idp.realms.step_options import (
    AcceptRulesOptions,
    ApplyAsyncOptions,
    CaptchaOptions,
    ChooseCategoryOptions,
    EmailCodeOptions,
    EmailLinkOptions,
    IdentifyByAttributesOptions,
    IdentifyByNumberOptions,
    SecretQuestionOptions,
    SetPasswordOptions,
)

__all__ = [
    "EMAIL_STEPS",
    "IDENTIFY_STEPS",
    "STEP_NAMES",
    "STEP_OPTION_TABLES",
    "VERIFY_STEPS",
    "RecoverySettings",
    "StepName",
]

StepName = Literal[
    "captcha",
    "identify_by_email",
    "identify_by_attributes",
    "identify_by_number_and_birth_date",
    "choose_category",
    "verify_push",
    "verify_totp",
    "verify_recovery_code",
    "verify_email_code",
    "verify_email_link",
    "verify_secret_question",
    "accept_rules",
    "set_password",
    "apply_async",
    "done",
]
STEP_NAMES: tuple[str, ...] = get_args(StepName)
IDENTIFY_STEPS = frozenset(s for s in STEP_NAMES if s.startswith("identify_"))
VERIFY_STEPS = frozenset(s for s in STEP_NAMES if s.startswith("verify_"))
# Steps that need to know the account's email address (or send to it).
EMAIL_STEPS = frozenset({"identify_by_email", "verify_email_code", "verify_email_link"})

# Step name -> the options table of ``[recovery]`` that configures it.
STEP_OPTION_TABLES: dict[str, str] = {
    "captcha": "captcha",
    "choose_category": "choose_category",
    "identify_by_attributes": "identify_by_attributes",
    "identify_by_number_and_birth_date": "identify_by_number",
    "verify_email_code": "email_code",
    "verify_email_link": "email_link",
    "verify_secret_question": "secret_question",
    "set_password": "set_password",
    "accept_rules": "accept_rules",
    "apply_async": "apply_async",
}

_Options = ConfigDict(extra="forbid", frozen=True)


class RecoverySettings(BaseModel):
    """``steps`` must name known steps once each, contain ``set_password`` after at least
    one verification, and end with ``done``."""

    model_config = _Options

    # Where the "forgot password" link lives. "change_password": the page asking for the
    # current password, reached with the account already known (seed 000); "login": the
    # sign-in page, so the flow must identify the account itself.
    entry: Literal["login", "change_password"] = "login"
    steps: list[StepName] = Field(min_length=2, max_length=20)
    flow_ttl_seconds: int = Field(900, ge=60, le=86400, strict=True)
    # verify_* step of ``steps`` -> verify_* steps the user may choose instead.
    alternatives: dict[str, list[StepName]] = Field(default_factory=dict)

    captcha: CaptchaOptions = Field(default_factory=CaptchaOptions)
    choose_category: ChooseCategoryOptions = Field(default_factory=ChooseCategoryOptions)
    identify_by_attributes: IdentifyByAttributesOptions = Field(
        default_factory=IdentifyByAttributesOptions
    )
    identify_by_number: IdentifyByNumberOptions = Field(default_factory=IdentifyByNumberOptions)
    email_code: EmailCodeOptions = Field(default_factory=EmailCodeOptions)
    email_link: EmailLinkOptions = Field(default_factory=EmailLinkOptions)
    secret_question: SecretQuestionOptions = Field(default_factory=SecretQuestionOptions)
    set_password: SetPasswordOptions = Field(default_factory=SetPasswordOptions)
    accept_rules: AcceptRulesOptions = Field(default_factory=AcceptRulesOptions)
    apply_async: ApplyAsyncOptions = Field(default_factory=ApplyAsyncOptions)

    @field_validator("steps")
    @classmethod
    def _well_formed(cls, steps: list[str]) -> list[str]:
        issues = _order_issues(steps)
        if issues:
            raise issues_error(issues)
        return steps

    @property
    def all_steps(self) -> list[str]:
        """Every step the flow may run: ``steps`` and their alternatives."""
        extra = [a for options in self.alternatives.values() for a in options]
        return [*self.steps, *extra]

    @model_validator(mode="after")
    def _options_match_steps(self) -> RecoverySettings:
        issues: list[tuple[str, str]] = _alternative_issues(self.steps, self.alternatives)
        used = {STEP_OPTION_TABLES[s] for s in self.all_steps if s in STEP_OPTION_TABLES}
        # Non-default options for a step the flow does not run are most likely a typo in
        # ``steps``. Default values are accepted so that a dumped preset validates again.
        for table in sorted(set(STEP_OPTION_TABLES.values()) - used):
            options = getattr(self, table)
            if options != type(options)():
                issues.append((table, "configures a step that is not in recovery.steps"))
        if "choose_category" in self.steps and not self.choose_category.categories:
            issues.append(("choose_category.categories", "must list at least one category"))
        if self.entry == "login":
            # From the sign-in page nobody is known yet: something must say which account
            # a verification is about before it can run.
            identified = False
            for index, step in enumerate(self.steps):
                identified = identified or step in IDENTIFY_STEPS
                if step in VERIFY_STEPS and not identified:
                    issues.append((f"steps[{index}]", f"{step!r} needs an identify_* step first"))
        if issues:
            raise issues_error(issues)
        return self

    def options_for(self, step: str) -> BaseModel | None:
        """The options model of ``step``, or None for steps without options."""
        table = STEP_OPTION_TABLES.get(step)
        options: BaseModel | None = getattr(self, table) if table else None
        return options


def _alternative_issues(
    steps: Sequence[str], alternatives: Mapping[str, Sequence[str]]
) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    offered: dict[str, str] = {}
    for step, options in alternatives.items():
        where = f"alternatives.{step}"
        if step not in steps:
            issues.append((where, f"{step!r} is not in recovery.steps"))
        elif step not in VERIFY_STEPS:
            issues.append((where, "only a verify_* step can offer alternatives"))
        if not options:
            issues.append((where, "must list at least one alternative"))
        for index, option in enumerate(options):
            at = f"{where}[{index}]"
            if option not in VERIFY_STEPS:
                issues.append((at, f"{option!r} is not a verify_* step"))
            elif option in steps:
                issues.append((at, f"{option!r} is already in recovery.steps"))
            elif option in offered:
                issues.append((at, f"{option!r} is already offered by {offered[option]!r}"))
            offered.setdefault(option, step)
    return issues


def _order_issues(steps: list[str]) -> list[tuple[str, str]]:
    issues: list[tuple[str, str]] = []
    first_seen: dict[str, int] = {}
    for index, step in enumerate(steps):
        if step in first_seen:
            issues.append((f"[{index}]", f"{step!r} appears twice (first at [{first_seen[step]}])"))
        else:
            first_seen[step] = index
    if steps[-1] != "done":
        issues.append((f"[{len(steps) - 1}]", "the flow must end with 'done'"))
    elif "done" in steps[:-1]:
        issues.append((f"[{steps.index('done')}]", "'done' may only be the last step"))
    if "set_password" not in first_seen:
        issues.append(("", "the flow must contain 'set_password'"))
    else:
        position = first_seen["set_password"]
        # Security: a flow that sets a password before proving anything is an account takeover.
        if not any(s in VERIFY_STEPS for s in steps[:position]):
            issues.append(
                (f"[{position}]", "'set_password' must come after at least one verify_* step")
            )
        apply_at = first_seen.get("apply_async")
        if apply_at is not None and apply_at < position:
            issues.append((f"[{apply_at}]", "'apply_async' must follow 'set_password'"))
    return issues
