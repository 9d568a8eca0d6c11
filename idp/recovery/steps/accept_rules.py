"""``accept_rules``: "Je reconnais avoir pris connaissance du règlement intérieur" (seed 004).

The guide puts the checkbox on the new-password page, so ``set_password`` shows it and refuses
the change while it is unticked; this step then passes on its own.
"""

from __future__ import annotations

from flask_wtf import FlaskForm

from idp.recovery.steps.base import Outcome, Step, StepContext

__all__ = ["AcceptRulesStep"]


class AcceptRulesStep(Step):
    name = "accept_rules"
    template = "recovery/set_password.html"

    def satisfied(self, ctx: StepContext) -> bool:
        return bool(ctx.flow.data.get("rules_accepted"))

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        return Outcome.next() if self.satisfied(ctx) else Outcome.stay()
