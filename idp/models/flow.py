"""Server-side state of a multi-step flow (recovery, enrollment)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from idp.models.types import UTCDateTime

__all__ = ["FlowState"]


class FlowState(db.Model):  # type: ignore[name-defined]
    __tablename__ = "flow_state"

    # Opaque random id; the browser only ever holds it inside the signed session.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Hash of the browser-session binding; a flow answers only to the session that began it.
    session_binding: Mapped[str] = mapped_column(String(64))
    step_index: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped at every transition; a form posted for an older version is stale.
    version: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True
    )
    # Who the flow is about, casefolded as typed (known account or not): locks apply to it.
    subject_key: Mapped[str | None] = mapped_column(String(254), nullable=True, index=True)
    # The client that ran it (SHA-256 of its address): a lock holds per client as well, so
    # typing another identifier or opening the entry page without ``?login=`` changes nothing.
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)

    # Optimistic concurrency: every UPDATE says "WHERE version = <the version I read>", so of
    # two requests racing on one flow (a double submit of a code, two tabs), one lands and the
    # other fails with StaleDataError and changes nothing: each step is passed exactly once.
    # The engine bumps ``version`` itself at each transition (version_id_generator=False).
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
