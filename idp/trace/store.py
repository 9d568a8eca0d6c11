"""The trace store: ``trace_event`` rows written on their own connection, bounded in size.

A trace write never joins the request's transaction (a refused decision rolls that back; its
trace must stay) and never fails the request: a database error is logged and the event lost.
Retention: at most ``TRACE_MAX_EVENTS`` rows and none older than ``TRACE_RETENTION_SECONDS``,
enforced every :data:`PRUNE_EVERY` writes of a process (so the table may briefly hold a few
more).
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from flask import Flask
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from idp.extensions import db
from idp.models import TraceEvent

__all__ = ["PRUNE_EVERY", "StoredEvent", "TraceStore", "instance_name", "json_safe"]

PRUNE_EVERY: Final = 64
log = logging.getLogger(__name__)


def instance_name() -> str:
    """This process as ``host:pid`` (computed each time: gunicorn forks workers)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def json_safe(value: Any) -> Any:
    """``value`` with datetimes as ISO strings, tuples as lists (what a JSON column keeps)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    at: datetime
    kind: str
    challenge_id: str | None
    flow_id: str | None
    device_id: str | None
    instance: str
    data: dict[str, Any]


class TraceStore:
    """Writes and reads trace events of one app (usable outside its app context)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._engine: Engine | None = None
        self._writes = itertools.count(1)
        self.max_events = int(app.config["TRACE_MAX_EVENTS"])
        self.retention = timedelta(seconds=int(app.config["TRACE_RETENTION_SECONDS"]))

    def engine(self) -> Engine:
        if self._engine is None:
            with self._app.app_context():
                self._engine = db.engine
        return self._engine

    def now(self) -> datetime:
        clock = self._app.extensions["idp.clock"]
        moment: datetime = clock.now()
        return moment

    def record(
        self,
        kind: str,
        *,
        challenge_id: str | None = None,
        flow_id: str | None = None,
        device_id: str | None = None,
        data: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        values = {
            "at": at or self.now(),
            "challenge_id": challenge_id,
            "flow_id": flow_id,
            "device_id": device_id,
            "kind": kind,
            "instance": instance_name(),
            "data": json_safe(dict(data or {})),
        }
        try:
            with self.engine().begin() as conn:
                conn.execute(insert(TraceEvent.__table__), values)
                if next(self._writes) % PRUNE_EVERY == 0:
                    self._prune(conn, values["at"])
        except SQLAlchemyError as exc:
            # Tracing is an instrument: losing an event must not fail what it observes.
            log.warning("trace event %s not recorded: %s", kind, exc)

    def _prune(self, conn: Any, now: datetime) -> None:
        table = TraceEvent.__table__
        conn.execute(delete(table).where(table.c.at < now - self.retention))
        top = conn.execute(select(func.max(table.c.id))).scalar()
        if top is not None and top > self.max_events:
            conn.execute(delete(table).where(table.c.id <= top - self.max_events))

    def prune(self) -> None:
        """Apply the retention now (tests, ``idp trace --prune``)."""
        with self.engine().begin() as conn:
            self._prune(conn, self.now())

    def device_events(
        self, device_ids: set[str], start: datetime, end: datetime
    ) -> list[StoredEvent]:
        """Events of these devices tied to no challenge (a failed ``pending``, a closed
        stream) between ``start`` and ``end``."""
        if not device_ids:
            return []
        table = TraceEvent.__table__
        return self._read(
            select(table)
            .where(
                table.c.challenge_id.is_(None),
                table.c.device_id.in_(sorted(device_ids)),
                table.c.at >= start,
                table.c.at <= end,
            )
            .order_by(table.c.id)
        )

    def events(
        self, *, challenge_id: str | None = None, flow_id: str | None = None
    ) -> list[StoredEvent]:
        """The events of one challenge or one flow, in recording order."""
        table = TraceEvent.__table__
        stmt = select(table).order_by(table.c.id)
        if challenge_id is not None:
            stmt = stmt.where(table.c.challenge_id == challenge_id)
        elif flow_id is not None:
            stmt = stmt.where(table.c.flow_id == flow_id)
        else:
            raise ValueError("a challenge id or a flow id")
        return self._read(stmt)

    def _read(self, stmt: Any) -> list[StoredEvent]:
        with self.engine().connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            StoredEvent(
                id=r.id,
                at=r.at,
                kind=r.kind,
                challenge_id=r.challenge_id,
                flow_id=r.flow_id,
                device_id=r.device_id,
                instance=r.instance,
                data=dict(r.data or {}),
            )
            for r in rows
        ]
