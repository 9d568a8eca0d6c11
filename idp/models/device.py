"""Enrolled authenticator devices and their push challenges."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from idp.models.types import EncryptedText, UTCDateTime
from idp.models.user import User

__all__ = ["Challenge", "Device", "EnrollmentOfferRecord"]


class Device(db.Model):  # type: ignore[name-defined]
    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(64), default="")
    app_version: Mapped[str] = mapped_column(String(32), default="")
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    jwk_thumbprint: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Base32 TOTP seed handed to this device at enrollment, when the realm offers codes;
    # encrypted at rest (idp.security.data_key).
    totp_secret: Mapped[str | None] = mapped_column(
        EncryptedText("device.totp_secret"), nullable=True
    )
    # The digits, period and algorithm the device was given (idp.mfa.totp.TotpParams).
    totp_parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Time step (unix time // period) of the last accepted code: a code at or before it is a
    # replay (idp.mfa.totp); moved forward only by a conditional UPDATE.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    user: Mapped[User] = relationship()


class EnrollmentOfferRecord(db.Model):  # type: ignore[name-defined]
    """A one-time activation offer; only the SHA-256 of its code is stored."""

    __tablename__ = "enrollment_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    user: Mapped[User] = relationship()


class Challenge(db.Model):  # type: ignore[name-defined]
    """A push challenge; it lives here, SSE only carries a hint (DESIGN.md §2)."""

    __tablename__ = "challenge"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(32))
    # pending | approved | denied | reported | expired | superseded | failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    matching_mode: Mapped[str] = mapped_column(String(8))
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    choices: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    nonce: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(
        ForeignKey("device.id", ondelete="SET NULL"), nullable=True
    )
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    flow_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
