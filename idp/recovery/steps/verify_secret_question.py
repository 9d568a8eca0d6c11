"""``verify_secret_question``: the "question joker" (seed 004), progress 50 %.

The answer is compared normalised (case, accents, spaces) against its argon2id hash; a few
wrong answers end the attempt and lock recovery for the account for ``lock_seconds``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.recovery.engine import check_lock
from idp.recovery.errors import FlowLocked
from idp.recovery.forms import AnswerForm
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.users.attributes import normalise_answer
from idp.users.service import username_key

__all__ = ["VerifySecretQuestionStep"]


class VerifySecretQuestionStep(Step):
    name = "verify_secret_question"
    template = "recovery/verify_secret_question.html"

    def form(self, ctx: StepContext) -> FlaskForm:
        return AnswerForm()

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        user = ctx.user()
        opts = ctx.preset.recovery.secret_question
        if user is None:
            return Outcome.fail("no_account")
        try:
            check_lock(
                ctx.realm,
                user.username,
                code="secret_locked",
                lock=timedelta(seconds=opts.lock_seconds),
                now=ctx.now,
            )
        except FlowLocked:
            return Outcome.fail("secret_locked")
        stored = user.attribute("secret_answer_hash")
        typed = normalise_answer(cast(AnswerForm, form).answer.data or "")
        if stored and typed and ctx.hasher.verify(stored, typed):
            return Outcome.next()
        failures = int(ctx.flow.data.get("secret_failures", 0)) + 1
        ctx.flow.update(secret_failures=failures)
        record(
            "recovery_secret_answer",
            "failure",
            now=ctx.now,
            realm=ctx.realm.slug,
            user=user,
            client=ctx.client,
            details={"attempt": failures},
        )
        if failures >= opts.max_attempts:
            ctx.flow.row.subject_key = username_key(user.username)
            return Outcome.fail("secret_locked")
        return Outcome.stay(
            errors={
                "answer": [
                    _(
                        "Réponse incorrecte (%(left)d essai(s) restant(s)).",
                        left=opts.max_attempts - failures,
                    )
                ]
            }
        )

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        user = ctx.user()
        return {"question": user.attribute("secret_question") if user else ""}
