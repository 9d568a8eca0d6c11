"""``verify_email_link``: "Demande prise en compte" until the mailed link is opened (003)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.steps.base import Outcome, Step, StepContext

__all__ = ["VerifyEmailLinkStep"]


class VerifyEmailLinkStep(Step):
    name = "verify_email_link"
    template = "recovery/verify_email_link.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        return Requirement.all_of([Capability.MAILBOX], Evidence.EMAIL)

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        # Only the link moves this step on (recovery.open_link).
        return Outcome.stay()
