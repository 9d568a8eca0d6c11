"""Users, their attributes and their password history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from idp.models.realm import Realm
from idp.models.types import UTCDateTime

__all__ = ["PasswordHistory", "User", "UserAttribute"]


class User(db.Model):  # type: ignore[name-defined]
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("realm_id", "username_key", name="uq_user_realm_username"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(120))
    # casefolded username: sign-in is case-insensitive, as in the directories the seeds use
    username_key: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, index=True)
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Bumped on every password change. Browser sessions live in ``browser_session`` (ended
    # there); this counter only guards what was started with the old password: a sign-in
    # waiting on its push step, and the idempotency key of the "password changed" mail.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    # Set by an admin: no sign-in, no recovery, every session ended.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A temporary password set by an admin (or a forced change): changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    # The user's own option on « Mes informations de sécurité »: a change of a method needs
    # a fresh second factor, the password alone is refused (while a second factor exists).
    changes_need_second_factor: Mapped[bool] = mapped_column(default=False)
    # Realm administrator (``idp admin grant``): may open /realms/<slug>/admin/.
    is_admin: Mapped[bool] = mapped_column(default=False)
    # False for a pre-provisioned account that still has to be activated (uphf).
    activated: Mapped[bool] = mapped_column(default=True)
    # Set after a "Non, ce n'est pas moi" report: push-based recovery refused until then.
    push_blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    realm: Mapped[Realm] = relationship()
    attributes: Mapped[list[UserAttribute]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    password_history: Mapped[list[PasswordHistory]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="PasswordHistory.id.desc()"
    )

    def attribute(self, name: str) -> str | None:
        for attr in self.attributes:
            if attr.name == name:
                return attr.value
        return None


class UserAttribute(db.Model):  # type: ignore[name-defined]
    """A named identity attribute (first_name, ine, birth_date, secret_answer_hash...)."""

    __tablename__ = "user_attribute"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_user_attribute_name"),
        # The admin console finds a user by a number (student number, INE...).
        Index("ix_user_attribute_value", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(512))

    user: Mapped[User] = relationship(back_populates="attributes")


class PasswordHistory(db.Model):  # type: ignore[name-defined]
    """Former password hashes (argon2id), newest first, for the "last N" rule."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="password_history")
