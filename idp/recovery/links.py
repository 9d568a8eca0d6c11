"""Mailed reset links (seed 003): random, single use, expiring, superseded by a newer one,
and void once the password changed. The URL carries no user data: only a random token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from idp.extensions import db
from idp.models import ResetLink, User

__all__ = ["LinkInvalid", "check_link", "create_link"]


class LinkInvalid(Exception):
    """The link cannot be used; ``reason`` is for the audit trail, never shown in detail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create_link(user: User, flow_id: str, *, now: datetime, ttl: timedelta) -> str:
    db.session.execute(
        update(ResetLink)
        .where(
            ResetLink.user_id == user.id,
            ResetLink.used_at.is_(None),
            ResetLink.superseded_at.is_(None),
        )
        .values(superseded_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        ResetLink(
            token_hash=_hash(token),
            flow_id=flow_id,
            user_id=user.id,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return token


def check_link(token: str, *, now: datetime) -> ResetLink:
    """The link, consumed; LinkInvalid when tampered, expired, used, superseded or stale."""
    if not token or len(token) > 100:
        raise LinkInvalid("malformed")
    link: ResetLink | None = db.session.scalar(
        select(ResetLink).where(ResetLink.token_hash == _hash(token))
    )
    if link is None:
        raise LinkInvalid("unknown")
    if link.used_at is not None:
        raise LinkInvalid("used")
    if link.superseded_at is not None:
        raise LinkInvalid("superseded")
    if link.expires_at <= now:
        raise LinkInvalid("expired")
    changed = link.user.password_changed_at
    if changed is not None and changed > link.created_at:
        raise LinkInvalid("password_changed")
    consumed = db.session.execute(
        update(ResetLink)
        .where(ResetLink.id == link.id, ResetLink.used_at.is_(None))
        .values(used_at=now)
    )
    if consumed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkInvalid("used")
    return link
