"""OpenID Connect: relying parties (clients), codes, access tokens, consents, RS256 keys.

Secrets, codes and tokens are random 256-bit values stored as SHA-256 only (see
``idp.oidc.secrets``): a database dump gives nothing that can be presented back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp.extensions import db
from idp.models.realm import Realm
from idp.models.types import UTCDateTime
from idp.models.user import User

__all__ = ["OidcAuthorizationCode", "OidcClient", "OidcConsent", "OidcRsaKey", "OidcToken"]


class OidcClient(db.Model):  # type: ignore[name-defined]
    """A relying party registered in one realm (``idp client add``)."""

    __tablename__ = "oidc_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None for a public client (PKCE S256 is then required, no secret exists).
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    # ES256 (the realm's key) unless the relying party can only verify RS256.
    id_token_alg: Mapped[str] = mapped_column(String(10), default="ES256")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    realm: Mapped[Realm] = relationship()

    @property
    def is_public(self) -> bool:
        return self.secret_hash is None


class OidcAuthorizationCode(db.Model):  # type: ignore[name-defined]
    """A single-use code; kept after use so a replay can revoke what it gave."""

    __tablename__ = "oidc_authorization_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(500))
    nonce: Mapped[str | None] = mapped_column(String(500), nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    acr: Mapped[str] = mapped_column(String(100))
    amr: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    client: Mapped[OidcClient] = relationship()
    user: Mapped[User] = relationship()


class OidcToken(db.Model):  # type: ignore[name-defined]
    """An opaque bearer access token (no refresh tokens are issued)."""

    __tablename__ = "oidc_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_pk: Mapped[int] = mapped_column(
        ForeignKey("oidc_client.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oidc_authorization_code.id", ondelete="SET NULL"), nullable=True, index=True
    )
    scope: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    client: Mapped[OidcClient] = relationship()
    user: Mapped[User] = relationship()


class OidcConsent(db.Model):  # type: ignore[name-defined]
    """The scopes a user allowed a client; asked again only for new scopes."""

    __tablename__ = "oidc_consent"
    __table_args__ = (UniqueConstraint("user_id", "client_pk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    client_pk: Mapped[int] = mapped_column(ForeignKey("oidc_client.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    client: Mapped[OidcClient] = relationship()


class OidcRsaKey(db.Model):  # type: ignore[name-defined]
    """The realm's RS256 key, for relying parties that cannot verify ES256.

    Kept apart from ``RealmKey`` (ES256), which also signs push challenges.
    """

    __tablename__ = "oidc_rsa_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    realm_id: Mapped[int] = mapped_column(ForeignKey("realm.id", ondelete="CASCADE"), unique=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
