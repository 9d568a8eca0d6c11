"""Read side of the admin console: user search and the audit viewer, keyset-paginated.

Keyset, not OFFSET: a page is ``WHERE key > :after ORDER BY key LIMIT n`` on an index
(``uq_user_realm_username`` for users, the primary key for audit rows), so page 5,000 of
100,000 users costs what page 1 costs (``scripts/bench_admin.py`` measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select, union

from idp.extensions import db
from idp.models import AuditEvent, Realm, User, UserAttribute
from idp.users.service import username_key

__all__ = ["AuditFilter", "Page", "audit_page", "audit_rows", "search_users"]

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    # The key to pass as ``after`` (users) or ``before`` (audit) for the next page, or None.
    next_key: str | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column: Any, text: str) -> Any:
    # A range instead of LIKE 'x%': an index answers it on SQLite and PostgreSQL alike.
    return and_(column >= text, column < text + "\U0010ffff")


def _matching_ids(realm: Realm, q: str) -> Any:
    """Ids of the users ``q`` designates, each source answered by its own index (the name
    "contains" search alone scans the realm's rows)."""
    key = username_key(q)
    emails = {q, q.lower()}
    return union(
        select(User.id).where(User.realm_id == realm.id, _prefix(User.username_key, key)),
        select(User.id).where(
            User.realm_id == realm.id, or_(*(_prefix(User.email, e) for e in emails))
        ),
        select(UserAttribute.user_id).where(UserAttribute.value == q),
        select(User.id).where(
            User.realm_id == realm.id,
            User.display_name.ilike("%" + _escape_like(q) + "%", escape="\\"),
        ),
    )


def search_users(realm: Realm, query: str = "", *, after: str = "", limit: int = PAGE_SIZE) -> Page:
    """Users of ``realm`` whose identifier or email starts with ``query``, whose name contains
    it, or whose attribute (student number, INE...) equals it; by identifier, ``limit`` of them
    after ``after``."""
    stmt = select(User).where(User.realm_id == realm.id)
    q = query.strip()[:120]
    if q:
        stmt = stmt.where(User.id.in_(_matching_ids(realm, q)))
    if after:
        stmt = stmt.where(User.username_key > after[:120])
    rows = list(db.session.scalars(stmt.order_by(User.username_key).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].username_key if more and rows else None)


@dataclass(frozen=True)
class AuditFilter:
    user: str = ""
    event: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def as_args(self) -> dict[str, str]:
        args = {"user": self.user, "event": self.event, "outcome": self.outcome}
        if self.since:
            args["since"] = self.since.date().isoformat()
        if self.until:
            args["until"] = self.until.date().isoformat()
        return {k: v for k, v in args.items() if v}


def _audit_stmt(realm: Realm, flt: AuditFilter) -> Select[Any]:
    stmt = select(AuditEvent).where(AuditEvent.realm == realm.slug)
    if flt.user:
        target = db.session.scalar(
            select(User.id).where(
                User.realm_id == realm.id, User.username_key == username_key(flt.user)
            )
        )
        stmt = stmt.where(
            or_(AuditEvent.actor == flt.user.strip(), AuditEvent.user_id == (target or -1))
        )
    if flt.event:
        stmt = stmt.where(AuditEvent.event == flt.event)
    if flt.outcome:
        stmt = stmt.where(AuditEvent.outcome == flt.outcome)
    if flt.since:
        stmt = stmt.where(AuditEvent.at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.at < flt.until)
    return stmt


def audit_page(
    realm: Realm, flt: AuditFilter, *, before: int | None = None, limit: int = PAGE_SIZE
) -> Page:
    """Newest first; ``before`` is the id the previous page ended on."""
    stmt = _audit_stmt(realm, flt)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    rows: list[AuditEvent] = list(
        db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].id) if more and rows else None)


def audit_rows(realm: Realm, flt: AuditFilter, *, limit: int = EXPORT_LIMIT) -> list[AuditEvent]:
    """For the CSV/JSON export: oldest first, at most ``limit`` (the newest ones)."""
    stmt = _audit_stmt(realm, flt).order_by(AuditEvent.id.desc()).limit(limit)
    rows: list[AuditEvent] = list(db.session.scalars(stmt))
    rows.reverse()
    return rows
