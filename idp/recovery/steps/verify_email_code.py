"""``verify_email_code``: "Saisir le code de sécurité" (seed 001, step 4).

Security decisions:
- The code (digits, ``length``) is stored as an HMAC under the app secret, with its expiry
  and a serial; a newer code replaces the older one ("Renvoyer le code"), with a cool-down and
  a cap on resends.
- Compared in constant time; ``max_attempts`` wrong codes end the attempt.
- For an address with no account no code is sent, but the page and the answers are the same.
- The mail leaves after the answer (``idp.mail.deferred``, as metamots' link): sent within the
  request, an existing address cost an SMTP transaction that an unknown one did not (a timing
  oracle, measured by scripts/bench_no_enumeration.py), and an SMTP failure showed an error to
  existing addresses only. A failed delivery is logged and audited (``mail_failed``) by the
  mailer; « Renvoyer le code » sends a new code. Delivery is idempotent per (flow, serial).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any, cast

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.extensions import db
from idp.mail import mail_language, render_mail
from idp.mail.deferred import defer
from idp.models import User
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.forms import CodeForm
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.security.passwords import constant_time_equals

__all__ = ["VerifyEmailCodeStep", "issue_code"]


def _digest(ctx: StepContext, code: str) -> str:
    key = str(ctx.config["SECRET_KEY"]).encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _send(ctx: StepContext, code: str, serial: int) -> None:
    user_id = ctx.flow.data.get("email_user_id")
    user = db.session.get(User, user_id) if user_id else None
    opts = ctx.preset.recovery.email_code
    mail = render_mail(
        "security_code",
        mail_language(user.language if user else None),
        realm_name=ctx.preset.display_name,
        code=code,
        expires_minutes=opts.ttl_seconds // 60,
        display_name=user.display_name if user else "",
    )
    if user is None or not user.email:
        # Rendered all the same (most of the work) and dropped: an unknown address must not
        # answer faster than a known one (scripts/bench_no_enumeration.py measured it).
        return
    message = mail.to(
        user.email,
        idempotency_key=f"security_code:{ctx.flow.row.id}:{serial}",
        realm=ctx.realm.slug,
        user_id=user.id,
        actor=user.username,
    )
    defer(message, background=bool(ctx.config.get("RESET_MAIL_IN_BACKGROUND", True)))


def issue_code(ctx: StepContext, *, first: bool) -> Outcome:
    """Make a new code and send it after the answer (nothing is sent for an unknown address)."""
    opts = ctx.preset.recovery.email_code
    data = ctx.flow.data
    code = "".join(secrets.choice("0123456789") for _ in range(opts.length))
    serial = int(data.get("code_serial", 0)) + 1
    ctx.flow.update(
        code_digest=_digest(ctx, code),
        code_serial=serial,
        code_failures=0,
        code_expires=(ctx.now + timedelta(seconds=opts.ttl_seconds)).isoformat(),
        code_sent_at=ctx.now.isoformat(),
        resends=int(data.get("resends", 0)) + (0 if first else 1),
    )
    _send(ctx, code, serial)
    return Outcome.next()


class VerifyEmailCodeStep(Step):
    name = "verify_email_code"
    template = "recovery/verify_email_code.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        return Requirement.all_of([Capability.MAILBOX], Evidence.EMAIL)

    def form(self, ctx: StepContext) -> FlaskForm:
        return CodeForm()

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        if action == "cancel":
            return Outcome.fail("cancelled")
        if action == "resend":
            return self._resend(ctx)
        # « 109 322 », as the mail groups it, is the code 109322.
        typed = "".join((cast(CodeForm, form).code.data or "").split())
        return self._verify(ctx, typed)

    def _resend(self, ctx: StepContext) -> Outcome:
        opts = ctx.preset.recovery.email_code
        data = ctx.flow.data
        if int(data.get("resends", 0)) >= opts.max_resends:
            return Outcome.stay(
                "resend_cap",
                errors={
                    "code": [
                        _("Vous avez demandé trop de codes. Recommencez la procédure plus tard.")
                    ]
                },
            )
        else:
            sent = _parse(data.get("code_sent_at"))
            wait = (
                (sent + timedelta(seconds=opts.resend_cooldown_seconds) - ctx.now).total_seconds()
                if sent
                else 0
            )
            if wait > 0:
                return Outcome.stay(
                    "cooldown",
                    errors={
                        "code": [
                            ngettext(
                                "Patientez %(num)d seconde avant de demander un nouveau code.",
                                "Patientez %(num)d secondes avant de demander un nouveau code.",
                                int(wait) + 1,
                            )
                        ]
                    },
                )
            outcome = issue_code(ctx, first=False)
        ctx.flow.touch()
        if outcome.kind == "next":
            record(
                "recovery_code_resent",
                "info",
                now=ctx.now,
                realm=ctx.realm.slug,
                actor=ctx.login or None,
                client=ctx.client,
            )
            return Outcome.stay(
                "resent", errors={"_info": [_("Un nouveau code vous a été envoyé.")]}
            )
        return outcome

    def _verify(self, ctx: StepContext, typed: str) -> Outcome:
        opts = ctx.preset.recovery.email_code
        data = ctx.flow.data
        if not typed:
            return Outcome.stay(errors={"code": [_("Vous devez saisir le code reçu.")]})
        expires = _parse(data.get("code_expires"))
        if expires is None or expires <= ctx.now:
            message = _(
                "Ce code a expiré. Cliquez sur « Renvoyer le code » pour en recevoir un nouveau."
            )
            return Outcome.stay("expired", errors={"code": [message]})
        if not typed.isascii() or not typed.isdigit() or len(typed) != opts.length:
            # Not a code at all (a typo in its shape): said as such, and it costs no try.
            message = ngettext(
                "Le code est composé de %(num)d chiffre.",
                "Le code est composé de %(num)d chiffres.",
                opts.length,
            )
            return Outcome.stay("malformed", errors={"code": [message]})
        ok = constant_time_equals(_digest(ctx, typed), str(data.get("code_digest", "")))
        if ok and data.get("email_user_id"):
            ctx.flow.update(code_digest=None)  # single use
            return Outcome.next()
        failures = int(data.get("code_failures", 0)) + 1
        ctx.flow.update(code_failures=failures)
        record(
            "recovery_code",
            "failure",
            now=ctx.now,
            realm=ctx.realm.slug,
            actor=ctx.login or None,
            client=ctx.client,
            details={"attempt": failures},
        )
        if failures >= opts.max_attempts:
            return Outcome.fail("code_attempts")
        message = ngettext(
            "Ce code n'est pas valide (%(num)d essai restant).",
            "Ce code n'est pas valide (%(num)d essais restants).",
            opts.max_attempts - failures,
        )
        return Outcome.stay(errors={"code": [message]})

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        return {"resent": False}


def _parse(value: object) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) else None
