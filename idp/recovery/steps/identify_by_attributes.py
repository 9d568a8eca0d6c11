"""``identify_by_attributes``: "Mot de passe oublié" with email, names, country, quality (003).

Security: every well-formed request gets "Demande prise en compte", whether or not the five
fields match an account, in the same time: the lookups are the same, and the mail (only when
all five match) is sent in the background, after the answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from flask_babel import get_locale
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from idp.audit.service import record
from idp.extensions import db
from idp.mail import mail_language, render_mail
from idp.mail.deferred import defer
from idp.models import AuditEvent, User
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.forms import IdentityForm
from idp.recovery.links import create_link
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.users.identity import country_choices, identity_matches
from idp.users.service import username_key

__all__ = [
    "FIELD_CAPABILITY",
    "MAX_REQUESTS_PER_HOUR",
    "IdentifyByAttributesStep",
    "identity_form",
    "identity_requirement",
]

MAX_REQUESTS_PER_HOUR = 5
# What knowing each identity field amounts to, for the recovery-policy analyzer.
FIELD_CAPABILITY = {
    "email": Capability.EMAIL_ADDRESS,
    "first_name": Capability.NAME,
    "last_name": Capability.NAME,
    "country": Capability.ORGANISATION,
    "organisation_type": Capability.ORGANISATION,
}


def identity_requirement(preset: RealmPreset) -> Requirement:
    """Knowing every identity field the realm asks for (identification, not a proof: the
    mailed link is the proof)."""
    fields = preset.recovery.identify_by_attributes.fields
    return Requirement.all_of((FIELD_CAPABILITY[f] for f in fields), Evidence.IDENTIFICATION)


def identity_form(ctx: StepContext, form_class: type[IdentityForm] = IdentityForm) -> IdentityForm:
    opts = ctx.preset.recovery.identify_by_attributes
    form = form_class()
    form.fill_choices(
        country_choices(str(get_locale() or "fr")),
        list(opts.organisation_types),
        opts.default_country,
        opts.default_organisation_type,
    )
    return form


class IdentifyByAttributesStep(Step):
    name = "identify_by_attributes"
    template = "recovery/identify_by_attributes.html"

    def requirement(self, preset: RealmPreset) -> Requirement:
        return identity_requirement(preset)

    def form(self, ctx: StepContext) -> FlaskForm:
        return identity_form(ctx)

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        typed = cast(IdentityForm, form).identity()
        user = db.session.scalar(
            select(User).where(
                User.realm_id == ctx.realm.id, func.lower(User.email) == typed["email"].lower()
            )
        )
        matched = identity_matches(user, typed)
        # Per-address cap: beyond it the answer stays the same, but no more mail is sent.
        recent = (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.realm == ctx.realm.slug,
                    AuditEvent.event == "recovery_request",
                    AuditEvent.actor == typed["email"][:120],
                    AuditEvent.at > ctx.now - timedelta(hours=1),
                )
            )
            or 0
        )
        throttled = recent >= MAX_REQUESTS_PER_HOUR
        ttl = timedelta(seconds=ctx.preset.recovery.email_link.ttl_seconds)
        # The flow waits for the link as long as the link lives.
        ctx.flow.row.expires_at = max(ctx.flow.row.expires_at, ctx.now + ttl)
        ctx.flow.row.subject_key = username_key(typed["email"])
        record(
            "recovery_request",
            "success" if matched else "failure",
            now=ctx.now,
            realm=ctx.realm.slug,
            actor=typed["email"][:120],
            user_id=user.id if matched and user else None,
            client=ctx.client,
            details={"matched": matched, "throttled": throttled},
        )
        if matched and not throttled and user is not None and user.email:
            token = create_link(user, ctx.flow.row.id, now=ctx.now, ttl=ttl)
            mail = render_mail(
                "reset_link",
                mail_language(user.language),
                realm_name=ctx.preset.display_name,
                link=ctx.link_for(token),
                expires_minutes=ttl.seconds // 60 + ttl.days * 1440,
                display_name=user.display_name,
            )
            message = mail.to(
                user.email,
                idempotency_key=f"reset_link:{token[:16]}",
                realm=ctx.realm.slug,
                user_id=user.id,
                actor=user.username,
            )
            # After the answer, so matching and non-matching requests take the same time.
            defer(message, background=bool(ctx.config.get("RESET_MAIL_IN_BACKGROUND", True)))
        return Outcome.next()
