"""The push cap, applied to decoy notifications too.

A real account with a device gets at most ``push.max_challenges`` notifications per
``push.window_seconds`` (idp.push.challenges), after which « Envoyer une notification » says
when to retry. An unknown identifier, or an account without a device, gets a decoy page
instead of a notification (idp.recovery.steps.verify_push); without this cap the decoys never
ran out, so the sixth click told an anonymous visitor that the account exists and has a phone
(found by scripts/bench_no_enumeration.py).

Decoys are counted from their audit lines (``recovery_push`` failures, one per decoy sent),
per realm and identifier ignoring case, with the same window, threshold and retry time as
the real cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from idp.extensions import db
from idp.models import AuditEvent
from idp.realms.push import PushSettings
from idp.users.service import username_key

__all__ = ["decoy_retry_after"]


def decoy_retry_after(
    realm: str, login: str, settings: PushSettings, *, now: datetime
) -> int | None:
    """Seconds until another decoy may be "sent" for ``login``, or None when it may now."""
    since = now - timedelta(seconds=settings.window_seconds)
    recent, oldest = db.session.execute(
        select(func.count(AuditEvent.id), func.min(AuditEvent.at)).where(
            AuditEvent.event == "recovery_push",
            AuditEvent.outcome == "failure",
            AuditEvent.realm == realm,
            func.lower(AuditEvent.actor) == username_key(login),
            AuditEvent.at >= since,
        )
    ).one()
    if recent < settings.max_challenges:
        return None
    reopen = (oldest or now) + timedelta(seconds=settings.window_seconds)
    return int((reopen - now).total_seconds()) + 1
