"""Second-factor state of a user: the shared failure lock and the recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.extensions import db
from idp.models.types import UTCDateTime

__all__ = ["RecoveryCode", "SecondFactorLock"]


class SecondFactorLock(db.Model):  # type: ignore[name-defined]
    """Wrong codes since the last second-factor success (idp.mfa.lock).

    Push failures are not copied here: they are counted from the ``challenge`` table, so the
    push path needs no extra write.
    """

    __tablename__ = "second_factor_lock"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    code_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Failures before this instant no longer count (last success, or an admin unlock).
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RecoveryCode(db.Model):  # type: ignore[name-defined]
    """A single-use recovery code; only its keyed hash is stored (idp.mfa.recovery_codes)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
