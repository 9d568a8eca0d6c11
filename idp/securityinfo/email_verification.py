"""A new email address is used only once its owner has opened the link mailed to it.

``request_change`` keeps the new address aside in a ``flow_state`` row (kind
``email_verification``) and mails a link to it; ``user.email``, which recovery and every
notice use, changes only when ``verify`` consumes that link.

Security decisions:
- The link is ``<flow id>.<secret>``; only the secret's SHA-256 is stored, compared in
  constant time. It expires after ``TTL`` and serves once (conditional UPDATE on
  ``completed_at``: two clicks racing apply the change once). A newer request voids older ones.
- Identical answers whatever exists: an unknown, expired, used or voided link all give
  ``VerificationLinkInvalid``; asking for an address that another account uses looks exactly
  like any other request (the link is sent; nothing says the address is taken).
- Opening the link shows a button (POST with CSRF): mail scanners that fetch links do not
  consume it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from idp.audit.service import ClientInfo, record
from idp.errors import IdpError
from idp.extensions import db
from idp.mail.deferred import defer
from idp.mail.rendering import external_url, render_mail
from idp.models import FlowState, Realm, User
from idp.securityinfo.service import change_email

__all__ = [
    "KIND",
    "TTL",
    "Pending",
    "VerificationLinkInvalid",
    "cancel",
    "check",
    "pending_for",
    "request_change",
    "verify",
]

KIND = "email_verification"
TTL = timedelta(hours=24)


class VerificationLinkInvalid(IdpError):
    code = "email_link_invalid"


@dataclass(frozen=True)
class Pending:
    email: str
    expires_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _void_pending(user: User, *, now: datetime) -> None:
    db.session.execute(
        update(FlowState)
        .where(
            FlowState.user_id == user.id,
            FlowState.kind == KIND,
            FlowState.completed_at.is_(None),
            FlowState.failed_at.is_(None),
        )
        .values(failed_at=now, failure_code="superseded")
        .execution_options(synchronize_session=False)
    )


def request_change(
    user: User,
    new_email: str,
    *,
    now: datetime,
    client: ClientInfo,
    rng: Callable[[int], str] = secrets.token_urlsafe,
) -> None:
    """Keep ``new_email`` aside and mail it a verification link (sent after the commit)."""
    _void_pending(user, now=now)
    secret = rng(32)
    row = FlowState(
        id=rng(18),
        realm_id=user.realm_id,
        kind=KIND,
        session_binding=_digest(secret),
        step_index=0,
        version=1,
        user_id=user.id,
        data={"email": new_email},
        created_at=now,
        expires_at=now + TTL,
    )
    db.session.add(row)
    record(
        "email_verification_sent",
        "info",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"domain": new_email.rpartition("@")[2]},  # the domain only
    )
    link = external_url(f"/realms/{user.realm.slug}/security/email/verify/{row.id}.{secret}")
    rendered = render_mail(
        KIND,
        user.language,
        realm_name=user.realm.display_name,
        display_name=user.display_name or None,
        link=link,
        expires_hours=int(TTL.total_seconds() // 3600),
        email=new_email,
    )
    defer(
        rendered.to(
            new_email,
            idempotency_key=f"{KIND}:{row.id}",
            realm=user.realm.slug,
            user_id=user.id,
            actor=user.username,
        )
    )


def pending_for(user: User, *, now: datetime) -> Pending | None:
    row = db.session.scalar(
        select(FlowState)
        .where(
            FlowState.user_id == user.id,
            FlowState.kind == KIND,
            FlowState.completed_at.is_(None),
            FlowState.failed_at.is_(None),
            FlowState.expires_at > now,
        )
        .order_by(FlowState.created_at.desc())
        .limit(1)
    )
    return Pending(str(row.data["email"]), row.expires_at) if row is not None else None


def cancel(user: User, *, now: datetime) -> None:
    _void_pending(user, now=now)


def _row_of(realm: Realm, link: str, *, now: datetime) -> FlowState:
    flow_id, _, secret = link.partition(".")
    row = db.session.get(FlowState, flow_id[:64]) if flow_id and secret else None
    # Every failure is the same error: nothing tells which part was wrong.
    if (
        row is None
        or row.kind != KIND
        or row.realm_id != realm.id
        or not secrets.compare_digest(row.session_binding, _digest(secret))
        or row.completed_at is not None
        or row.failed_at is not None
        or row.expires_at <= now
    ):
        raise VerificationLinkInvalid("this verification link is not valid")
    return row


def check(realm: Realm, link: str, *, now: datetime) -> str:
    """The address ``link`` would verify (``VerificationLinkInvalid`` otherwise)."""
    return str(_row_of(realm, link, now=now).data["email"])


def verify(realm: Realm, link: str, *, now: datetime, client: ClientInfo) -> User:
    """Consume ``link`` once and make its address the user's; returns the user."""
    row = _row_of(realm, link, now=now)
    claimed = db.session.execute(
        update(FlowState)
        .where(FlowState.id == row.id, FlowState.completed_at.is_(None))
        .values(completed_at=now, step_index=1)
        .execution_options(synchronize_session=False)
    )
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    if not getattr(claimed, "rowcount", 0) or user is None:
        raise VerificationLinkInvalid("this verification link is not valid")
    change_email(user, str(row.data["email"]), now=now, client=client)
    return user
