"""Consistency checks across the tables of a preset (run once every table is valid).

Each check returns ``(field path, message)`` pairs so that the loader can point at the
offending line, e.g. ``demo_users[1].email`` when a flow mails a code to a user without one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from idp.policy.model import PasswordPolicy
from idp.policy.rules import evaluate
from idp.realms.demo_user import DemoUser
from idp.realms.identifiers import IdentifierFormats, IdentifierKind
from idp.realms.push import PushSettings
from idp.realms.recovery import EMAIL_STEPS, RecoverySettings
from idp.realms.totp import TotpSettings

__all__ = ["CheckedPreset", "cross_check", "implementation_issues"]

Issues = list[tuple[str, str]]


class CheckedPreset(Protocol):
    """The tables of a preset these checks read (``schema.RealmPreset`` has them): the schema
    imports the checks, the checks do not import the schema."""

    @property
    def languages(self) -> Sequence[str]: ...
    @property
    def password_policy(self) -> PasswordPolicy: ...
    @property
    def recovery(self) -> RecoverySettings: ...
    @property
    def push(self) -> PushSettings: ...
    @property
    def identifiers(self) -> IdentifierFormats: ...
    @property
    def demo_users(self) -> Sequence[DemoUser]: ...
    @property
    def totp(self) -> TotpSettings: ...


def cross_check(preset: CheckedPreset) -> Issues:
    return [*_push_issues(preset), *_demo_user_issues(preset)]


def implementation_issues(preset: CheckedPreset, implemented: Collection[str]) -> Issues:
    """Steps the preset names that this installation cannot run (``idp realm import``)."""
    recovery = preset.recovery
    issues: Issues = [
        (f"recovery.steps[{i}]", f"{step!r} is not implemented by this installation")
        for i, step in enumerate(recovery.steps)
        if step not in implemented
    ]
    for step, options in recovery.alternatives.items():
        issues.extend(
            (
                f"recovery.alternatives.{step}[{i}]",
                f"{option!r} is not implemented by this installation",
            )
            for i, option in enumerate(options)
            if option not in implemented
        )
    return issues


def _push_issues(preset: CheckedPreset) -> Issues:
    push, steps = preset.push, preset.recovery.all_steps
    issues: Issues = []
    if ("verify_push" in steps or push.sign_in_second_factor) and not push.enabled:
        issues.append(("push.enabled", "must be true: verify_push or sign_in_second_factor use it"))
    if "verify_totp" in steps and not push.offer_totp:
        issues.append(("push.offer_totp", "must be true: the flow has a verify_totp step"))
    if preset.totp.sign_in != "push_first" and not push.offer_totp:
        issues.append(("totp.sign_in", "needs push.offer_totp = true: devices get no TOTP seed"))
    if "verify_push" in steps and push.matching_mode == "none":
        # Anyone who knows a login can start a recovery; without number matching a tired
        # user approving a prompt hands over the account (push bombing).
        issues.append(("push.matching_mode", "'none' is not allowed with a verify_push step"))
    return issues


def _demo_user_issues(preset: CheckedPreset) -> Issues:
    issues: Issues = []
    seen: dict[str, int] = {}
    for index, user in enumerate(preset.demo_users):
        where = f"demo_users[{index}]"
        key = user.username.casefold()
        if key in seen:
            issues.append((f"{where}.username", f"duplicate of demo_users[{seen[key]}]"))
        seen.setdefault(key, index)
        if user.language not in preset.languages:
            issues.append((f"{where}.language", "is not one of the realm's languages"))
        issues.extend((f"{where}.{sub}", message) for sub, message in _user_issues(preset, user))
    return issues


def _user_issues(preset: CheckedPreset, user: DemoUser) -> Issues:
    """What a demo user lacks for the realm's flow, or breaks in its rules."""
    issues: Issues = []
    policy = preset.password_policy
    violations = (
        evaluate(user.password, policy, login=user.username, names=user.names)
        if user.password is not None
        else []
    )
    if violations:
        codes = ", ".join(v.code for v in violations)
        issues.append(("password", f"breaks the realm's password policy: {codes}"))
    if user.email is None and EMAIL_STEPS.intersection(preset.recovery.all_steps):
        issues.append(("email", "is required: the recovery flow uses email"))
    issues.extend(_attribute_issues(preset, user.attrs, activated=user.activated))
    for kind in IdentifierKind:
        value = user.attrs.get(kind.value)
        if value is not None and not preset.identifiers.accepts(kind, value):
            issues.append(
                (f"attrs.{kind.value}", "does not match the realm's [identifiers] format")
            )
    return issues


def _attribute_issues(
    preset: CheckedPreset, attrs: dict[str, str], *, activated: bool = True
) -> Issues:
    """Attributes the recovery steps of the realm need to find or verify the user."""
    recovery = preset.recovery
    issues: Issues = []
    if "identify_by_attributes" in recovery.steps:
        options = recovery.identify_by_attributes
        issues.extend(
            (f"attrs.{field}", "is required by identify_by_attributes")
            for field in options.fields
            if field != "email" and field not in attrs
        )
        kind = attrs.get("organisation_type")
        if kind is not None and kind not in options.organisation_types:
            issues.append(("attrs.organisation_type", "is not one of organisation_types"))
    if "identify_by_number_and_birth_date" in recovery.steps:
        kinds = recovery.identify_by_number.kinds
        if "birth_date" not in attrs:
            issues.append(("attrs.birth_date", "is required by identify_by_number_and_birth_date"))
        if not any(k.value in attrs for k in kinds):
            wanted = ", ".join(k.value for k in kinds)
            issues.append(("attrs", f"needs at least one identifier among: {wanted}"))
    # A pre-provisioned account chooses its question joker at activation.
    if activated and "verify_secret_question" in recovery.steps and "secret_question" not in attrs:
        issues.append(("attrs.secret_question", "is required by verify_secret_question"))
    if "choose_category" in recovery.steps and "category" in attrs:
        ids = [c.id for c in recovery.choose_category.categories]
        if attrs["category"] not in ids:
            issues.append(("attrs.category", f"must be one of: {', '.join(ids)}"))
    return issues
