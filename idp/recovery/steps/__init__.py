"""The step registry: a realm's TOML names steps, this maps names to implementations."""

from __future__ import annotations

from collections.abc import Sequence

from idp.recovery.steps.accept_rules import AcceptRulesStep
from idp.recovery.steps.apply_async import ApplyAsyncStep
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.recovery.steps.captcha import CaptchaStep
from idp.recovery.steps.choose_category import ChooseCategoryStep
from idp.recovery.steps.done import DoneStep
from idp.recovery.steps.identify_by_attributes import IdentifyByAttributesStep
from idp.recovery.steps.identify_by_email import IdentifyByEmailStep
from idp.recovery.steps.identify_by_number import IdentifyByNumberStep
from idp.recovery.steps.set_password import SetPasswordStep
from idp.recovery.steps.verify_email_code import VerifyEmailCodeStep
from idp.recovery.steps.verify_email_link import VerifyEmailLinkStep
from idp.recovery.steps.verify_push import VerifyPushStep
from idp.recovery.steps.verify_recovery_code import VerifyRecoveryCodeStep
from idp.recovery.steps.verify_secret_question import VerifySecretQuestionStep
from idp.recovery.steps.verify_totp import VerifyTotpStep

__all__ = ["STEPS", "Outcome", "Step", "StepContext", "implemented"]

STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        CaptchaStep(),
        ChooseCategoryStep(),
        IdentifyByEmailStep(),
        IdentifyByAttributesStep(),
        IdentifyByNumberStep(),
        VerifySecretQuestionStep(),
        AcceptRulesStep(),
        VerifyEmailLinkStep(),
        VerifyEmailCodeStep(),
        VerifyPushStep(),
        VerifyTotpStep(),
        VerifyRecoveryCodeStep(),
        SetPasswordStep(),
        ApplyAsyncStep(),
        DoneStep(),
    )
}


def implemented(steps: Sequence[str]) -> bool:
    """Whether this installation can run every step of a flow."""
    return all(name in STEPS for name in steps)
