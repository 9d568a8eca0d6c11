"""``captcha``: "Renseignez les caractères de l'image", then "Suivant" (seed 000, step 05).

A wrong answer shows a new image and counts; after ``max_attempts`` the flow fails and the
identifier is locked for ``lock_seconds`` (known account or not, so nothing is revealed).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Evidence, Requirement
from idp.recovery.captcha_image import new_answer
from idp.recovery.engine import check_lock, client_key
from idp.recovery.errors import FlowLocked
from idp.recovery.forms import CaptchaForm
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.security.passwords import constant_time_equals
from idp.users.service import username_key

__all__ = ["CaptchaStep"]


class CaptchaStep(Step):
    name = "captcha"
    template = "recovery/captcha.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        # Anyone reads a captcha (or hears the audio one): it slows robots, proves nothing.
        return Requirement.nothing(Evidence.ANTI_AUTOMATION)

    def form(self, ctx: StepContext) -> FlaskForm:
        form = CaptchaForm()
        if not form.identifier.data:
            form.identifier.data = ctx.login
        return form

    def _renew(self, ctx: StepContext, *, audio: bool) -> None:
        opts = ctx.preset.recovery.captcha
        answer = new_answer(opts.length, audio=audio, rng=random.SystemRandom(), config=ctx.config)
        ctx.flow.update(captcha=answer, captcha_audio=audio)

    def prepare(self, ctx: StepContext) -> None:
        if not ctx.flow.data.get("captcha"):
            self._renew(ctx, audio=False)

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        form = cast(CaptchaForm, form)
        if action in {"refresh", "audio"}:
            self._renew(ctx, audio=action == "audio" or bool(ctx.flow.data.get("captcha_audio")))
            ctx.flow.touch()
            return Outcome.stay()
        identifier = (form.identifier.data or "").strip()
        locked = self._locked(ctx, identifier)
        if locked is not None:
            return locked
        errors: dict[str, list[str]] = {}
        if not identifier:
            errors["identifier"] = [_("Vous devez entrer votre identifiant.")]
        typed = (form.answer.data or "").strip().upper()
        expected = str(ctx.flow.data.get("captcha", "")).upper()
        # The answer is consumed by this attempt, right or wrong.
        self._renew(ctx, audio=bool(ctx.flow.data.get("captcha_audio")))
        ctx.flow.touch()
        if not typed:
            errors["answer"] = [_("Vous devez recopier les caractères de l'image.")]
        elif not constant_time_equals(typed, expected):
            attempts = int(ctx.flow.data.get("captcha_failures", 0)) + 1
            ctx.flow.update(captcha_failures=attempts)
            record(
                "recovery_captcha",
                "failure",
                now=ctx.now,
                realm=ctx.realm.slug,
                actor=identifier or None,
                client=ctx.client,
                details={"attempt": attempts},
            )
            opts = ctx.preset.recovery.captcha
            if attempts >= opts.max_attempts:
                ctx.flow.row.subject_key = username_key(identifier) if identifier else None
                return Outcome.fail(
                    "captcha_locked", until=ctx.now + timedelta(seconds=opts.lock_seconds)
                )
            errors["answer"] = [
                ngettext(
                    "Les caractères ne correspondent pas à l'image. "
                    "Essayez avec cette nouvelle image (%(num)d essai restant).",
                    "Les caractères ne correspondent pas à l'image. "
                    "Essayez avec cette nouvelle image (%(num)d essais restants).",
                    opts.max_attempts - attempts,
                )
            ]
        if errors:
            return Outcome.stay(errors=errors)
        ctx.flow.update(login=identifier)
        ctx.flow.row.subject_key = username_key(identifier)
        return Outcome.next()

    @staticmethod
    def _locked(ctx: StepContext, identifier: str) -> Outcome | None:
        """The lock holds for the identifier typed here and for this client, whatever URL
        opened the flow (« Recommencer » leads to the entry page without ``?login=``)."""
        try:
            check_lock(
                ctx.realm,
                identifier,
                client=client_key(ctx.client.ip),
                code="captcha_locked",
                lock=timedelta(seconds=ctx.preset.recovery.captcha.lock_seconds),
                now=ctx.now,
            )
        except FlowLocked as exc:
            # Another code than "captcha_locked": meeting a lock does not extend it.
            return Outcome.fail("locked", until=exc.until)
        return None

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        return {
            "audio": bool(ctx.flow.data.get("captcha_audio")),
            "audio_offered": ctx.preset.recovery.captcha.audio,
        }
