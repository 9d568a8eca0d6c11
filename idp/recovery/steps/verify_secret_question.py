"""``verify_secret_question``: the "question joker" (seed 004), progress 50 %.

The answer is compared normalised (case, accents, spaces) against its argon2id hash; a few
wrong answers end the attempt and lock recovery for the account for ``lock_seconds``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from flask_babel import ngettext
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
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

    def requirement(self, preset: RealmPreset) -> Requirement:
        return Requirement.all_of([Capability.SECRET_ANSWER], Evidence.KBA)

    def form(self, ctx: StepContext) -> FlaskForm:
        return AnswerForm()

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        user = ctx.user()
        opts = ctx.preset.recovery.secret_question
        if user is None:
            return Outcome.fail("no_account")
        locked = self.gate(ctx)
        if locked is not None:
            return locked
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
            return Outcome.fail(
                "secret_locked", until=ctx.now + timedelta(seconds=opts.lock_seconds)
            )
        left = opts.max_attempts - failures
        message = ngettext(
            "Réponse incorrecte (%(num)d essai restant).",
            "Réponse incorrecte (%(num)d essais restants).",
            left,
        )
        return Outcome.stay(errors={"answer": [message]})

    def gate(self, ctx: StepContext) -> Outcome | None:
        """Locked after too many wrong answers: starting again shows the lock and its end,
        not the question (whose right answer would be refused anyway)."""
        user = ctx.user()
        if user is None:
            return None
        try:
            check_lock(
                ctx.realm,
                user.username,
                code="secret_locked",
                lock=timedelta(seconds=ctx.preset.recovery.secret_question.lock_seconds),
                now=ctx.now,
            )
        except FlowLocked as exc:
            # Another code than "secret_locked": meeting the lock does not extend it.
            return Outcome.fail("locked", until=exc.until)
        return None

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        user = ctx.user()
        return {"question": user.attribute("secret_question") if user else ""}
