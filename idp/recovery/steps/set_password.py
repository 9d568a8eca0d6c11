"""``set_password``: the new password under the realm's policy, shown before typing."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, cast

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.validators import Length

from idp.audit.service import record
from idp.policy import rules_for
from idp.policy.messages import rule_message, violation_message
from idp.policy.rules import RuleCode
from idp.policy.strength_label import strength
from idp.policy.suggestions import suggest
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Evidence, Requirement
from idp.recovery.forms import IdentityForm, IdentityPasswordForm, NewPasswordForm
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.recovery.steps.identify_by_attributes import identity_form, identity_requirement
from idp.users.identity import identity_matches
from idp.users.password_change import apply_new_password, violations_for
from idp.users.password_jobs import enqueue

__all__ = ["MAX_IDENTITY_MISMATCHES", "SetPasswordStep"]

MAX_IDENTITY_MISMATCHES = 5


class SetPasswordStep(Step):
    name = "set_password"
    template = "recovery/set_password.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        # After identify_by_attributes the same identity fields are typed again here.
        if "identify_by_attributes" in preset.recovery.all_steps:
            return Requirement(identity_requirement(preset).alternatives, Evidence.NONE)
        return Requirement.nothing()

    def form(self, ctx: StepContext) -> FlaskForm:
        form: FlaskForm = (
            identity_form(ctx, IdentityPasswordForm) if _reconfirms(ctx) else NewPasswordForm()
        )
        _say_the_realms_length(form, ctx)
        return form

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        user = ctx.user()
        if user is None:  # cannot happen after a verify step; fail closed
            return Outcome.fail("no_account")
        if _reconfirms(ctx) and not identity_matches(user, cast(IdentityForm, form).identity()):
            return _identity_mismatch(ctx)
        form = cast(NewPasswordForm, form)
        if "accept_rules" in ctx.flow.steps and not form.accept_rules.data:
            return Outcome.stay(
                "rules",
                errors={
                    "accept_rules": [
                        _("Vous devez reconnaître avoir pris connaissance du règlement intérieur.")
                    ]
                },
            )
        new = form.new_password.data or ""
        violations = violations_for(user, new, ctx.preset.password_policy, hasher=ctx.hasher)
        errors: dict[str, list[str]] = {}
        if violations:
            errors["new_password"] = [str(violation_message(v)) for v in violations]
        confirmation = getattr(form, "confirmation", None)
        if confirmation is not None and not secrets.compare_digest(
            (confirmation.data or "").encode(), new.encode()
        ):
            # Said next to the policy errors, never instead of them.
            errors["confirmation"] = [
                _("Vous devez confirmer le nouveau mot de passe.")
                if not confirmation.data
                else _("Les deux mots de passe ne sont pas identiques.")
            ]
        if errors:
            broken = {v.code for v in violations}
            marks = {
                r.code.value: not broken.intersection(r.violations)
                for r in rules_for(ctx.preset.password_policy)
            }
            # Which rules the refused password met, for the next display only (not the password).
            ctx.flow.update(rule_marks={"version": ctx.flow.version, "marks": marks})
            return Outcome.stay("policy", errors=errors)
        if "apply_async" in ctx.flow.steps:
            # Propagated in the background ("Veuillez patienter"): hash now, apply later.
            delay = timedelta(seconds=ctx.preset.recovery.apply_async.delay_seconds)
            job = enqueue(
                user,
                ctx.hasher.hash(new),
                now=ctx.now,
                delay=delay,
                flow_id=ctx.flow.row.id,
                client=ctx.client,
            )
            ctx.flow.update(job_id=job.id)
        else:
            apply_new_password(
                user, new, hasher=ctx.hasher, now=ctx.now, client=ctx.client, reason="recovery"
            )
        ctx.flow.update(username=user.username, rules_accepted="accept_rules" in ctx.flow.steps)
        return Outcome.next()

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        policy = ctx.preset.password_policy
        opts = ctx.preset.recovery.set_password
        typed = cast(NewPasswordForm, form).new_password.data or ""
        user = ctx.user()
        marks = ctx.flow.data.get("rule_marks") or {}
        return {
            "rules": [(r.code, rule_message(r)) for r in rules_for(policy)],
            "marks": marks.get("marks", {}) if marks.get("version") == ctx.flow.version else {},
            "title": _("Réinitialiser votre mot de passe"),
            "options": opts,
            # Shown after a submit too, so the meter works without JavaScript.
            "strength": strength(typed, [ctx.login]) if opts.strength_meter and typed else None,
            "suggestions": suggest(policy, opts.suggestions, login=user.username if user else None)
            if opts.suggestions
            else [],
        }


def _say_the_realms_length(form: FlaskForm, ctx: StepContext) -> None:
    """Beyond the absolute cap (256), the form refuses before the policy runs: say the realm's
    own length rule then (« entre 12 et 64 caractères » for jasmin), not another number."""
    rule = next(
        (r for r in rules_for(ctx.preset.password_policy) if r.code == RuleCode.LENGTH), None
    )
    if rule is None:
        return
    field = form.new_password
    # A new list: the validators given at class level are shared by every form instance.
    field.validators = [
        Length(max=v.max, message=str(rule_message(rule))) if isinstance(v, Length) else v
        for v in field.validators
    ]


def _identity_mismatch(ctx: StepContext) -> Outcome:
    """ "Vous devez saisir les informations de la même manière que lors de la création de
    votre compte" (seed 003): the five fields must match again. One neutral message at the top
    of the form (naming the wrong field would tell which data the account holds), and a few
    wrong tries end the attempt: the mailed link is not a licence to guess."""
    failures = int(ctx.flow.data.get("identity_failures", 0)) + 1
    ctx.flow.update(identity_failures=failures)
    record(
        "recovery_identity",
        "failure",
        now=ctx.now,
        realm=ctx.realm.slug,
        actor=ctx.login or None,
        client=ctx.client,
        details={"attempt": failures},
    )
    if failures >= MAX_IDENTITY_MISMATCHES:
        return Outcome.fail("identity_attempts")
    message = _("Les informations saisies ne correspondent pas à celles de votre compte.")
    return Outcome.stay("identity", errors={"_form": [message]})


def _reconfirms(ctx: StepContext) -> bool:
    return "identify_by_attributes" in ctx.flow.steps
