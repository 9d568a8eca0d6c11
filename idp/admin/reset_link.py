"""« Envoyer un lien de réinitialisation » from the admin console, on realms whose recovery
mails a link (``verify_email_link``, seed 003).

The admin does not get the link: a recovery flow is created at its ``verify_email_link`` step for
the account, and the same mail as a self-service request goes to the account's address. Opening
it continues the realm's own flow (the identity checks and password rules that follow still
apply); a newer link supersedes it, and any password change voids it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app

from idp.extensions import db
from idp.mail import mail_language, render_mail
from idp.mail.deferred import defer
from idp.models import FlowState, User
from idp.realms.store import preset_of
from idp.recovery.links import create_link

__all__ = ["mails_links", "send"]

STEP = "verify_email_link"


def mails_links(user: User) -> bool:
    return STEP in preset_of(user.realm).recovery.steps


def send(user: User, email: str, *, now: datetime) -> str:
    """Create the flow and the link, queue the mail; returns the flow id (for the audit)."""
    preset = preset_of(user.realm)
    steps: list[str] = list(preset.recovery.steps)
    ttl = timedelta(seconds=preset.recovery.email_link.ttl_seconds)
    row = FlowState(
        id=secrets.token_urlsafe(24),
        realm_id=user.realm_id,
        kind="recovery",
        # Bound to no browser yet: opening the link binds it (recovery.open_link).
        session_binding=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
        step_index=steps.index(STEP),
        version=1,
        user_id=user.id,
        subject_key=user.username_key,
        data={"login": user.username, "started_by": "admin"},
        created_at=now,
        expires_at=now + ttl,
    )
    db.session.add(row)
    token = create_link(user, row.id, now=now, ttl=ttl)
    # Built by hand: the CLI has no request to build a URL from (recovery.open_link's rule).
    link = f"{current_app.config['BASE_URL']}/realms/{user.realm.slug}/recovery/link/{token}"
    mail = render_mail(
        "reset_link",
        mail_language(user.language),
        realm_name=preset.display_name,
        link=link,
        expires_minutes=ttl.seconds // 60 + ttl.days * 1440,
        display_name=user.display_name,
    )
    defer(
        mail.to(
            email,
            idempotency_key=f"reset_link:{token[:16]}",
            realm=user.realm.slug,
            user_id=user.id,
            actor=user.username,
        )
    )
    return row.id
