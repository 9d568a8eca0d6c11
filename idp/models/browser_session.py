"""Server-side browser sessions (``idp.auth.sessions`` owns them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from idp.models.types import UTCDateTime
from idp.models.user import User

__all__ = ["BrowserSession"]


class BrowserSession(db.Model):  # type: ignore[name-defined]
    """One signed-in browser. The cookie carries an opaque random token; only its SHA-256 is
    stored, so a copy of the database does not hand out live sessions."""

    __tablename__ = "browser_session"
    __table_args__ = (Index("ix_browser_session_user_live", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the token last changed (sign-in, fresh second factor): the "auth_time" of OIDC.
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # RFC 8176 methods: ["pwd"], ["pwd", "mfa", "swk"]...
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # logout | logout_everywhere | password_changed | admin | idle | expired | replaced
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    user: Mapped[User] = relationship()

    @property
    def mfa(self) -> bool:
        return "mfa" in (self.amr or [])

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat(),
            "ip": self.ip,
            "user_agent": self.user_agent,
            "amr": list(self.amr or []),
        }
