"""``apply_async``: "Veuillez patienter" while the new password propagates (seed 001).

The page polls the job's status and moves on by itself; the job is durable (restart-safe)
and applied exactly once (idp.users.password_jobs).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.users.password_jobs import status_of

__all__ = ["ApplyAsyncStep"]


class ApplyAsyncStep(Step):
    name = "apply_async"
    template = "recovery/apply_async.html"

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        if status_of(str(ctx.flow.data.get("job_id", "")), now=ctx.now) == "done":
            return Outcome.next()
        return Outcome.stay()

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        return {"job_status": status_of(str(ctx.flow.data.get("job_id", "")), now=ctx.now)}
