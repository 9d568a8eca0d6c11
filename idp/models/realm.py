"""Realms and their signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from idp.models.types import EncryptedText, UTCDateTime

__all__ = ["Realm", "RealmKey"]


class Realm(db.Model):  # type: ignore[name-defined]
    __tablename__ = "realm"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # The validated preset, as imported (idp.realms.preset.RealmPreset.model_dump()).
    preset: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    keys: Mapped[list[RealmKey]] = relationship(back_populates="realm", cascade="all")


class RealmKey(db.Model):  # type: ignore[name-defined]
    """An ES256 key pair the realm signs push challenges with; published as JWKS by kid."""

    __tablename__ = "realm_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    # PEM of the private key, encrypted at rest (idp.security.data_key).
    private_pem: Mapped[str] = mapped_column(EncryptedText("realm_key.private_pem"))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A retired key stays published (so in-flight challenges verify) but no longer signs.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    realm: Mapped[Realm] = relationship(back_populates="keys")
