"""Durable work: password changes applied in the background, and support requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from idp.models.types import UTCDateTime
from idp.models.user import User

__all__ = ["PasswordJob", "ResetLink", "SupportRequest"]


class PasswordJob(db.Model):  # type: ignore[name-defined]
    """A new password waiting to be propagated ("Veuillez patienter", seed 001).

    Holds the argon2id hash only. It lives in the database so it survives a restart, and is
    claimed by a conditional UPDATE so it is applied exactly once whatever runs it.
    """

    __tablename__ = "password_job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    flow_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # pending | running | done
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)

    user: Mapped[User] = relationship()


class SupportRequest(db.Model):  # type: ignore[name-defined]
    """A message sent from a realm's "J'ai besoin de support" page."""

    __tablename__ = "support_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(160))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ResetLink(db.Model):  # type: ignore[name-defined]
    """A mailed reset link (seed 003). The URL carries only a random token; its SHA-256 is here.

    Valid once, until ``expires_at``, and only while no newer link was sent to the user and the
    password has not changed since it was made.
    """

    __tablename__ = "reset_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()
