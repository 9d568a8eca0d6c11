"""``choose_category``: "Pour vous diriger vers le bon service, cliquez sur le cas qui vous
concerne" (seed 001, step 2). Only categories with ``continues`` go on in this flow; the
others lead to their own page (what to do instead), and the flow stays where it is."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from idp.recovery.steps.base import Outcome, Step, StepContext

__all__ = ["ChooseCategoryStep"]


class ChooseCategoryStep(Step):
    name = "choose_category"
    template = "recovery/choose_category.html"

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        categories = {c.id: c for c in ctx.preset.recovery.choose_category.categories}
        chosen = categories.get(action.removeprefix("category:"))
        if chosen is None or not chosen.continues:
            return Outcome.stay()
        ctx.flow.update(category=chosen.id)
        return Outcome.next()

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        return {"options": ctx.preset.recovery.choose_category}
