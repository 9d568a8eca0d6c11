"""Research instruments (issue 19): trace events of push transactions and recovery flows, and
the push-delivery faults a tester injected. Both exist only when tracing or test mode is on;
shared by every worker and instance through the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from idp.models.types import UTCDateTime

__all__ = ["PushFault", "TraceEvent"]


class TraceEvent(db.Model):  # type: ignore[name-defined]
    """One thing that happened to a challenge or a flow, as the IdP saw it (idp.trace)."""

    __tablename__ = "trace_event"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    challenge_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    flow_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Which process recorded it (host:pid), so a cluster's timeline says who did what.
    instance: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PushFault(db.Model):  # type: ignore[name-defined]
    """A delivery fault injected through ``/_dev/faults`` (idp.faults), per device or user."""

    __tablename__ = "push_fault"
    # Ids are never reused after a DELETE: trace events name faults by id.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # How many more times it fires (None: until cleared).
    remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fired: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
