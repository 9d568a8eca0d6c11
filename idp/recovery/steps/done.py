"""``done``: the success page; entering it completes the flow for good."""

from __future__ import annotations

from flask_wtf import FlaskForm

from idp.recovery.steps.base import Outcome, Step, StepContext

__all__ = ["DoneStep"]


class DoneStep(Step):
    name = "done"
    template = "recovery/done.html"

    def prepare(self, ctx: StepContext) -> None:
        if ctx.flow.row.completed_at is None:
            ctx.flow.complete(now=ctx.now)

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        return Outcome.stay()
