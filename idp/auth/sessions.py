"""Server-side browser sessions: the one mechanism that says whether a browser is signed in.

API (services; none of them reads ``request`` or the cookie, ``idp.auth.session`` does)::

    row, token = start(user, amr=["pwd"], client=..., now=...)   # token goes in the cookie
    row = current(token, realm=realm, settings=preset.sessions, now=...)   # None when dead
    token = rotate(row, amr=[...], now=...)          # privilege change: new token, same record
    end(row, reason="logout", now=...)
    end_all_for_user(user, reason="password_changed", now=..., keep=row)
    list_for_user(user, settings=..., now=...)       # live sessions, newest activity first

Security decisions:
- The cookie (signed by Flask) carries an opaque random token (256 bits); the table stores its
  SHA-256 only, so neither a copy of the database nor the signing key alone gives a live session.
- A session ends for real: logout, « partout ailleurs », a password change and an admin action
  set ``revoked_at``; idle and absolute timeouts (realm settings) are checked on every request.
  Ending is a conditional UPDATE (``revoked_at IS NULL``): racing ends agree, none is lost.
- The token changes at sign-in (a new record; the browser's previous one is ended) and at a
  privilege change (``rotate``), so a token seen before cannot ride on the new rights.
- ``last_seen_at`` is written at most once a minute per session: the database sees one small
  UPDATE per active browser and minute, which PostgreSQL shared by several instances absorbs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.models import BrowserSession, Realm, User
from idp.prepared import Prepared, attach
from idp.realms.schema import SessionSettings

__all__ = [
    "TOUCH_EVERY",
    "current",
    "end",
    "end_all_for_user",
    "find",
    "list_for_user",
    "new_token",
    "purge",
    "rotate",
    "start",
    "token_hash",
]

TOUCH_EVERY = timedelta(seconds=60)
_TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(_TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(
    user: User,
    *,
    amr: Iterable[str],
    client: ClientInfo,
    now: datetime,
    replacing: str | None = None,
    rng: Callable[[], str] = new_token,
) -> tuple[BrowserSession, str]:
    """A new session for ``user``; ends the browser's previous one (``replacing`` token)."""
    if replacing:
        previous = find(replacing)
        if previous is not None:
            end(previous, reason="replaced", now=now)
    token = rng()
    values = {
        "token_hash": token_hash(token),
        "user_id": user.id,
        "realm_id": user.realm_id,
        "created_at": now,
        "last_seen_at": now,
        "authenticated_at": now,
        "ip": client.ip,
        "user_agent": (client.user_agent or "")[:256] or None,
        "amr": list(dict.fromkeys(amr)),
        "revoked_at": None,
        "revoked_reason": None,
    }
    # A prepared INSERT ... RETURNING id, then the object made persistent as the row now is:
    # the unit of work's flush cost more than the rest of a code sign-in (idp/prepared.py).
    (new_id,) = _INSERT.rows(db.session.connection(), values)[0]
    row = attach(db.session, BrowserSession, {"id": new_id, **values})
    set_committed_value(row, "user", user)
    return row, token


# Every column but the id: a column added to the model and not to start() fails every sign-in
# in the tests (a missing parameter), rather than being silently left to its default.
_INSERT = Prepared.insert(
    BrowserSession.__table__, generated=("id",), returning=(BrowserSession.id,)
)


def current(
    token: str, *, realm: Realm, settings: SessionSettings, now: datetime
) -> BrowserSession | None:
    """The live session of ``token`` in ``realm``; ends it when a timeout has passed."""
    row = find(token)
    if row is None or row.realm_id != realm.id or row.revoked_at is not None:
        return None
    if now >= row.created_at + timedelta(minutes=settings.lifetime_minutes):
        end(row, reason="expired", now=now)
        return None
    if now >= row.last_seen_at + timedelta(minutes=settings.idle_minutes):
        end(row, reason="idle", now=now)
        return None
    if row.user.disabled_at is not None:
        end(row, reason="disabled", now=now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row


def rotate(
    row: BrowserSession,
    *,
    amr: Iterable[str],
    now: datetime,
    rng: Callable[[], str] = new_token,
) -> str:
    """Give the session a new token (privilege change) and record the methods now proven."""
    token = rng()
    row.token_hash = token_hash(token)
    row.amr = list(dict.fromkeys([*(row.amr or []), *amr]))
    row.authenticated_at = now
    row.last_seen_at = now
    return token


def find(token: str) -> BrowserSession | None:
    """The record of ``token`` whatever its state (``current`` is the check that matters)."""
    if not token or len(token) > 128:
        return None
    return db.session.scalar(
        select(BrowserSession).where(BrowserSession.token_hash == token_hash(token))
    )


def end(
    row: BrowserSession,
    *,
    reason: str,
    now: datetime,
    client: ClientInfo | None = None,
    actor: str | None = None,
) -> bool:
    """End one session; False when it had already ended (someone else won the race).

    Audited as ``session_ended`` (reason, session id), except a replaced one (the new
    sign-in is audited already)."""
    result = db.session.execute(
        update(BrowserSession)
        .where(BrowserSession.id == row.id, BrowserSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    ended = bool(getattr(result, "rowcount", 0))
    if ended and reason != "replaced":
        record(
            "session_ended",
            "info",
            now=now,
            realm=row.user.realm.slug,
            actor=actor or row.user.username,
            user_id=row.user_id,
            client=client,
            details={"reason": reason, "session": row.id},
        )
    return ended


def end_all_for_user(
    user: User,
    *,
    reason: str,
    now: datetime,
    keep: BrowserSession | None = None,
    client: ClientInfo | None = None,
    actor: str | None = None,
) -> int:
    """End every live session of ``user`` (but ``keep``); returns how many were ended."""
    stmt = update(BrowserSession).where(
        BrowserSession.user_id == user.id, BrowserSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(BrowserSession.id != keep.id)
    result = db.session.execute(
        stmt.values(revoked_at=now, revoked_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        record(
            "sessions_ended",
            "info",
            now=now,
            realm=user.realm.slug,
            actor=actor or user.username,
            user_id=user.id,
            client=client,
            details={"reason": reason, "count": count},
        )
    return count


def list_for_user(user: User, *, settings: SessionSettings, now: datetime) -> list[BrowserSession]:
    """Live sessions (not ended, within both timeouts), most recently active first."""
    stmt = (
        select(BrowserSession)
        .where(
            BrowserSession.user_id == user.id,
            BrowserSession.revoked_at.is_(None),
            BrowserSession.created_at > now - timedelta(minutes=settings.lifetime_minutes),
            BrowserSession.last_seen_at > now - timedelta(minutes=settings.idle_minutes),
        )
        .order_by(BrowserSession.last_seen_at.desc(), BrowserSession.id.desc())
    )
    return list(db.session.scalars(stmt))


def purge(*, now: datetime, older_than: timedelta) -> int:
    """Delete records that ended (or were last seen) more than ``older_than`` ago; the audit
    trail keeps what happened. Live sessions are never touched: a record last seen that long
    ago is past any idle timeout a realm allows (at most 30 days)."""
    cutoff = now - older_than
    result = db.session.execute(
        delete(BrowserSession)
        .where(
            or_(
                BrowserSession.revoked_at < cutoff,
                BrowserSession.last_seen_at < cutoff,
            )
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
