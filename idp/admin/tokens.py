"""Admin API tokens: issued by ``idp admin token create`` for one realm, shown once.

Security decisions: 256 random bits, only the SHA-256 stored (looked up by it, so there is no
comparison to time); an expired or revoked token is refused exactly like an unknown one; every
use updates ``last_used_at`` (at most once a minute) so stale tokens can be found and revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from idp.extensions import db
from idp.models import AdminToken, Realm

__all__ = ["PREFIX", "authenticate", "issue", "revoke"]

PREFIX = "idpadm_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    realm: Realm, name: str, *, now: datetime, days: int | None = 90
) -> tuple[AdminToken, str]:
    token = PREFIX + secrets.token_urlsafe(32)
    row = AdminToken(
        realm_id=realm.id,
        name=name[:120],
        token_hash=_digest(token),
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def authenticate(realm: Realm, authorization: str | None, *, now: datetime) -> AdminToken | None:
    """The live token of ``Authorization: Bearer <token>`` for ``realm``, else None."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row: AdminToken | None = db.session.scalar(
        select(AdminToken).where(AdminToken.token_hash == _digest(token))
    )
    if (
        row is None
        or row.realm_id != realm.id
        or row.revoked_at is not None
        or (row.expires_at is not None and row.expires_at <= now)
    ):
        return None
    if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=1):
        row.last_used_at = now
    return row


def revoke(realm: Realm, token_id: int, *, now: datetime) -> bool:
    row = db.session.get(AdminToken, token_id)
    if row is None or row.realm_id != realm.id or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True
