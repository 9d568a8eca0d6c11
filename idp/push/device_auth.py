"""Authenticate a device API call: ``Authorization: Device <JWS>`` signed by the device key.

The token is bound to the request (``htm``/``htu``), lives at most 120 s, and its ``jti`` is
accepted once: a captured token cannot be replayed, nor used for another endpoint.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from idp.extensions import db
from idp.models import Device, Realm, UsedJti
from idp.push.errors import DeviceRevoked, DeviceUnknown, TokenReplayed, TokenWrongRequest
from shared.addresses import realm_url
from shared.jws import DEFAULT_LEEWAY, peek_header, verify
from shared.keys import load_public_jwk
from shared.messages import DeviceAuthToken
from shared.messages.device_auth import token_from_authorization

__all__ = ["authenticate_device", "device_key", "remember_jti"]

LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def remember_jti(jti: str, *, issuer: str, expires_at: datetime) -> None:
    """Record ``jti`` as used; raise TokenReplayed if it already was."""
    # One INSERT ... ON CONFLICT DO NOTHING in the caller's transaction (no savepoint: with
    # SQLite a released savepoint commits on its own, and a later rollback would not undo it).
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(UsedJti)
        .values(jti=jti, issuer=issuer[:64], expires_at=expires_at + DEFAULT_LEEWAY)
        .on_conflict_do_nothing(index_elements=["jti"])
    )
    if db.session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
        raise TokenReplayed("this token was already used")
    # Forget expired entries now and then (they can no longer verify anyway).
    if secrets.randbelow(64) == 0:
        db.session.execute(
            delete(UsedJti).where(UsedJti.expires_at < expires_at - timedelta(minutes=10))
        )


def device_key(device: Device) -> EllipticCurvePublicKey:
    return load_public_jwk(device.public_jwk)


def authenticate_device(
    realm: Realm,
    authorization: str | None,
    *,
    method: str,
    path: str,
    base_url: str,
    now: datetime,
) -> Device:
    token = token_from_authorization(authorization)
    kid = peek_header(token).get("kid")
    device = db.session.get(Device, kid) if isinstance(kid, str) and len(kid) <= 64 else None
    if device is None or device.user.realm_id != realm.id:
        raise DeviceUnknown("no such device in this realm")
    if device.revoked_at is not None:
        raise DeviceRevoked("this device was removed from the account")
    claims = verify(
        token,
        keys={device.id: device_key(device)},
        model=DeviceAuthToken,
        audience=realm_url(base_url, realm.slug),
        issuer=device.id,
        now=now,
    )
    if not claims.matches_request(method, path):
        raise TokenWrongRequest(f"token made for {claims.htm} {claims.htu}")
    remember_jti(claims.jti, issuer=device.id, expires_at=claims.expires_at)
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        device.last_seen_at = now
    return device
