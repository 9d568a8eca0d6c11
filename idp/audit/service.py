"""Record and query security events.

Services call ``record``; they receive the client's IP and user agent as a ``ClientInfo``
built by the view (services never touch ``request``). Secrets are never recorded: callers pass
identifiers and outcomes, and ``details`` is scrubbed of known secret keys as a last guard.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from idp.extensions import db
from idp.models import AuditEvent, User
from idp.prepared import Prepared

__all__ = ["ClientInfo", "EventRow", "query", "record", "record_now"]

log = logging.getLogger(__name__)

_SECRET_KEYS = {"password", "new_password", "code", "answer", "secret", "token", "captcha"}


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class EventRow:
    at: datetime
    realm: str | None
    actor: str | None
    event: str
    outcome: str
    ip: str | None
    details: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "realm": self.realm,
            "actor": self.actor,
            "event": self.event,
            "outcome": self.outcome,
            "ip": self.ip,
            "details": dict(self.details),
        }


def _scrub(details: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: ("[redacted]" if k in _SECRET_KEYS else v) for k, v in (details or {}).items()}


def _field(value: object) -> str:
    """A log field on one line: typed identifiers may hold spaces or line breaks."""
    if value is None or value == "":
        return "-"
    text = str(value)
    if any(c.isspace() or c == '"' or not c.isprintable() for c in text):
        return json.dumps(text)
    return text


def record(
    event: str,
    outcome: str,
    *,
    now: datetime,
    realm: str | None = None,
    actor: str | None = None,
    user_id: int | None = None,
    user: User | None = None,
    client: ClientInfo | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit makes it durable.

    ``user`` stands for ``actor=user.username, user_id=user.id``."""
    if user is not None:
        actor, user_id = actor or user.username, user_id or user.id
    values = _values(event, outcome, now, realm, actor, user_id, client, details)
    row = AuditEvent(**values)
    db.session.add(row)
    _log(values)
    return row


def _log(values: Mapping[str, Any]) -> None:
    """One line per security event in the service log, with what the table keeps (scrubbed)."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "%s %s realm=%s actor=%s ip=%s%s",
        values["event"],
        values["outcome"],
        _field(values["realm"]),
        _field(values["actor"]),
        _field(values["ip"]),
        "".join(f" {k}={_field(v)}" for k, v in values["details"].items()),
    )


# The hot paths' audit rows: every column but the id, as _values() makes them.
_INSERT = Prepared.insert(AuditEvent.__table__, generated=("id",))


def record_now(
    event: str,
    outcome: str,
    *,
    now: datetime,
    realm: str | None,
    actor: str | None,
    user_id: int | None,
    client: ClientInfo | None = None,
    details: Mapping[str, Any] | None = None,
    conn: Connection | None = None,
) -> None:
    """The same event written at once on the session's connection, in its transaction (the
    hot paths: no ORM object, no flush; ``conn``: that connection, when the caller has it).
    Every id must already exist in the database."""
    values = _values(event, outcome, now, realm, actor, user_id, client, details)
    _INSERT.run(conn or db.session.connection(), values)
    _log(values)


def _values(  # noqa: PLR0917 - the record's fields, in record()'s order
    event: str,
    outcome: str,
    now: datetime,
    realm: str | None,
    actor: str | None,
    user_id: int | None,
    client: ClientInfo | None,
    details: Mapping[str, Any] | None,
) -> dict[str, Any]:
    client = client or ClientInfo()
    return {
        "at": now,
        "realm": realm,
        "actor": (actor or "")[:120] or None,
        "user_id": user_id,
        "event": event,
        "outcome": outcome,
        "ip": client.ip,
        "user_agent": (client.user_agent or "")[:256] or None,
        "details": _scrub(details),
    }


def query(
    *, realm: str | None = None, event: str | None = None, limit: int = 200
) -> Iterable[EventRow]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if realm:
        stmt = stmt.where(AuditEvent.realm == realm)
    if event:
        stmt = stmt.where(AuditEvent.event == event)
    rows = list(db.session.scalars(stmt))
    rows.reverse()
    for r in rows:
        yield EventRow(r.at, r.realm, r.actor, r.event, r.outcome, r.ip, r.details or {})
