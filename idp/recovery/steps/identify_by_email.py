"""``identify_by_email``: "Renseigner votre adresse mail" (seed 001, step 3).

Security: the same answer whatever the address: the flow always moves on to the code step;
a code is mailed only when the address belongs to an account of the realm.
"""

from __future__ import annotations

from typing import cast

from flask_wtf import FlaskForm
from sqlalchemy import func, select

from idp.extensions import db
from idp.models import User
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.forms import EmailForm
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.recovery.steps.verify_email_code import issue_code
from idp.users.service import username_key

__all__ = ["IdentifyByEmailStep"]


class IdentifyByEmailStep(Step):
    name = "identify_by_email"
    template = "recovery/identify_by_email.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        return Requirement.all_of([Capability.EMAIL_ADDRESS], Evidence.IDENTIFICATION)

    def form(self, ctx: StepContext) -> FlaskForm:
        return EmailForm()

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        email = (cast(EmailForm, form).email.data or "").strip()
        user = db.session.scalar(
            select(User).where(
                User.realm_id == ctx.realm.id, func.lower(User.email) == email.lower()
            )
        )
        ctx.flow.update(
            email=email,
            login=user.username if user else "",
            email_user_id=user.id if user else None,
        )
        ctx.flow.row.subject_key = username_key(email)
        outcome = issue_code(ctx, first=True)
        return outcome if outcome.kind != "next" else Outcome.next()
