"""``identify_by_number_and_birth_date``: "Numéro étudiant", "Numéro INE", "Numéro personnel"
or "UID", then the number and "Date de naissance" (jj/mm/aaaa), "Valider" (seed 004).

A mismatch gives the same message whatever was wrong; a few of them end the attempt.
"""

from __future__ import annotations

from typing import Any, cast

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.realms.identifiers import IdentifierKind
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.forms import NumberForm
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.users.identification import identify_by_number
from idp.users.service import username_key

__all__ = ["MAX_MISMATCHES", "NUMBER_CAPABILITY", "IdentifyByNumberStep"]

MAX_MISMATCHES = 5
# Who knows each kind of number: the UID is the login (public), the others personal data.
NUMBER_CAPABILITY = {
    IdentifierKind.STUDENT_NUMBER: Capability.STUDENT_NUMBER,
    IdentifierKind.INE: Capability.STUDENT_NUMBER,
    IdentifierKind.STAFF_NUMBER: Capability.STAFF_NUMBER,
    IdentifierKind.UID: Capability.IDENTIFIER,
}


class IdentifyByNumberStep(Step):
    name = "identify_by_number_and_birth_date"
    template = "recovery/identify_by_number.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        # The number says who; the birth date is checked as a proof (a mismatch fails), so
        # the step is knowledge of personal data, not mere identification.
        kinds = preset.recovery.identify_by_number.kinds
        return Requirement.any_of(
            ([NUMBER_CAPABILITY[IdentifierKind(k)], Capability.BIRTH_DATE] for k in kinds),
            Evidence.PERSONAL_DATA,
        )

    def form(self, ctx: StepContext) -> FlaskForm:
        form = NumberForm()
        kinds = list(ctx.preset.recovery.identify_by_number.kinds)
        form.kind.choices = [(k, k) for k in kinds]
        if not form.kind.data:
            asked = ctx.query.get("kind")
            form.kind.data = asked if asked in kinds else None
        return form

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        form = cast(NumberForm, form)
        found = identify_by_number(
            ctx.realm,
            ctx.preset.identifiers,
            IdentifierKind(form.kind.data),
            form.number.data or "",
            form.birth_date.data or "",
            today=ctx.now.date(),
        )
        if found.problem == "birth_date":
            message = _(
                "La date de naissance doit être une date réelle et passée, au format jj/mm/aaaa."
            )
            return Outcome.stay(errors={"birth_date": [message]})
        if found.problem == "number_format":
            return Outcome.stay(errors={"number": [_("Ce numéro n'a pas le bon format.")]})
        user = found.user
        ctx.flow.row.subject_key = username_key(found.subject)
        if user is None or not user.activated:
            failures = int(ctx.flow.data.get("identify_failures", 0)) + 1
            ctx.flow.update(identify_failures=failures)
            record(
                "recovery_identify",
                "failure",
                now=ctx.now,
                realm=ctx.realm.slug,
                actor=found.subject,
                client=ctx.client,
                details={"attempt": failures},
            )
            if failures >= MAX_MISMATCHES:
                return Outcome.fail("identify_attempts")
            return Outcome.stay(
                errors={
                    "number": [
                        _(
                            "Les informations saisies ne permettent pas de vous identifier. "
                            "Vérifiez votre numéro et votre date de naissance."
                        )
                    ]
                }
            )
        ctx.flow.update(login=user.username, kind=found.kind.value)
        return Outcome.next()

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        return {
            "kinds": list(ctx.preset.recovery.identify_by_number.kinds),
            "kind": cast(NumberForm, form).kind.data,
        }
