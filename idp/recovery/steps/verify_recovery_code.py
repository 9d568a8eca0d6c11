"""``verify_recovery_code``: « Utiliser un code de récupération » when the phone is lost.

Offered as an alternative to the app-based steps ([recovery.alternatives]); the same rules
as ``verify_totp``: one answer for unknown accounts, accounts without codes and wrong codes,
a try limit per flow, the account's second-factor lock, an audit line and a mail per use.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from idp.mfa import recovery_codes
from idp.mfa.errors import RecoveryCodeInvalid
from idp.models import User
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.forms import RecoveryCodeStepForm
from idp.recovery.steps.base import StepContext
from idp.recovery.steps.verify_totp import VerifyTotpStep

__all__ = ["VerifyRecoveryCodeStep"]


class VerifyRecoveryCodeStep(VerifyTotpStep):
    name = "verify_recovery_code"
    template = "recovery/verify_recovery_code.html"
    choice_label = _l("Utiliser un code de récupération")
    audit_event = "recovery_code_verify"
    invalid = RecoveryCodeInvalid

    def requirement(self, preset: RealmPreset) -> Requirement:
        return Requirement.all_of([Capability.RECOVERY_CODE], Evidence.LOOKUP_SECRET)

    def form(self, ctx: StepContext) -> FlaskForm:
        return RecoveryCodeStepForm()

    def check(self, ctx: StepContext, user: User, code: str) -> None:
        recovery_codes.use(user, code, now=ctx.now, client=ctx.client, purpose="password_reset")
