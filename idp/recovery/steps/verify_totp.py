"""``verify_totp``: « Entrer un code de mon application d'authentification ».

The user types the code the Authenticator app shows for the account (RFC 6238, single use,
idp.mfa.totp). An unknown identifier, an account without a device and a wrong code get the
same answer; each try is audited, and the flow ends after ``MAX_TRIES`` wrong codes whatever
the account, on top of the account's own second-factor lock (which, here, answers like a
wrong code: only real accounts have one).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.mfa.errors import CodeInvalid, MfaError, SecondFactorLocked
from idp.mfa.messages import code_error_message
from idp.mfa.totp import verify_code
from idp.models import User
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.forms import TotpStepForm
from idp.recovery.steps.base import Outcome, Step, StepContext

__all__ = ["MAX_TRIES", "VerifyTotpStep"]

MAX_TRIES = 5


class VerifyTotpStep(Step):
    name = "verify_totp"
    template = "recovery/verify_totp.html"
    choice_label = _l("Entrer un code de mon application d'authentification")
    audit_event = "totp_verify"
    # What a wrong code raises for a real account: unknown accounts and locked ones get its
    # message too, so the page is the same whoever typed (scripts/bench_no_enumeration.py).
    invalid: ClassVar[type[MfaError]] = CodeInvalid

    def requirement(self, preset: RealmPreset) -> Requirement:
        # Codes exist only where enrollment hands the app a TOTP seed.
        if not preset.push.offer_totp:
            return Requirement((), Evidence.OTP)
        return Requirement.all_of([Capability.PHONE], Evidence.OTP)

    def form(self, ctx: StepContext) -> FlaskForm:
        return TotpStepForm()

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        if action == "cancel":
            return Outcome.fail("cancelled")
        tries = int(ctx.flow.data.get("totp_tries", 0)) + 1
        ctx.flow.update(totp_tries=tries)
        user = ctx.user()
        if user is None:
            record(
                self.audit_event,
                "failure",
                now=ctx.now,
                realm=ctx.realm.slug,
                actor=ctx.login,
                client=ctx.client,
                details={"reason": "unknown_user", "purpose": "password_reset"},
            )
            return self._wrong(tries, self._refused())
        try:
            self.check(ctx, user, str(form.code.data or ""))
        except SecondFactorLocked:
            # Anonymous page: a lock exists only for real accounts, so saying so would tell
            # who has one. The audit has it (second_factor_locked at the failure that set it).
            return self._wrong(tries, self._refused())
        except MfaError as exc:
            return self._wrong(tries, code_error_message(exc))
        ctx.flow.update(verified_by=self.name)
        return Outcome.next()

    def check(self, ctx: StepContext, user: User, code: str) -> None:
        """Accept ``code`` for ``user`` once, or raise an MfaError."""
        verify_code(user, code, now=ctx.now, client=ctx.client, purpose="password_reset")

    def _refused(self) -> str:
        return code_error_message(self.invalid())

    def _wrong(self, tries: int, message: str) -> Outcome:
        if tries >= MAX_TRIES:
            return Outcome.fail("code_attempts")
        return Outcome.stay("totp_invalid", errors={"code": [message]})

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        return {"digits": ctx.preset.totp.digits}
