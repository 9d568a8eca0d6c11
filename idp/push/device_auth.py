"""Authenticate a device API call: ``Authorization: Device <JWS>`` signed by the device key.

The token is bound to the request (``htm``/``htu``), lives at most 120 s, and its ``jti`` is
accepted once (:mod:`idp.push.replay`): a captured token cannot be replayed, nor used for
another endpoint. The device, its user and realm come from one query; its parsed public key is
kept in memory (keyed by its RFC 7638 thumbprint, so a re-enrolled key is never confused).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from flask import current_app
from sqlalchemy import bindparam, select, update

from idp.extensions import db
from idp.models import Device, User
from idp.prepared import Prepared
from idp.push.errors import DeviceRevoked, DeviceUnknown, TokenReplayed, TokenWrongRequest
from idp.push.replay import ReplayGuard
from idp.realms.cache import RealmRef
from shared.addresses import realm_url
from shared.jws import DEFAULT_LEEWAY, peek_header, verify
from shared.keys import load_public_jwk
from shared.messages import DeviceAuthToken, PushDecision
from shared.messages.device_auth import token_from_authorization
from shared.version import require_current_device_version

__all__ = [
    "DeviceRef",
    "authenticate_decision",
    "authenticate_device",
    "remember_jti",
]

LAST_SEEN_RESOLUTION = timedelta(seconds=60)
KEY_CACHE_SIZE = 50_000


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """An authenticated device: what the device API needs of it, no ORM object."""

    id: str
    user_id: int
    username: str
    key: EllipticCurvePublicKey


class _KeyCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, EllipticCurvePublicKey] = OrderedDict()

    def get(self, thumbprint: str, jwk: dict[str, Any]) -> EllipticCurvePublicKey:
        key = self._keys.get(thumbprint)
        if key is None:
            key = load_public_jwk(jwk)
            with self._lock:
                self._keys[thumbprint] = key
                if len(self._keys) > self._size:
                    self._keys.popitem(last=False)
        return key


_KEYS = _KeyCache(KEY_CACHE_SIZE)


def _replay_guard() -> ReplayGuard:
    guard: ReplayGuard = current_app.extensions["idp.replay"]
    return guard


def remember_jti(jti: str, *, issuer: str, expires_at: datetime, now: datetime) -> None:
    """Accept ``jti`` once; raise TokenReplayed if it already was (until it can no longer
    verify: its ``exp`` plus the verification leeway)."""
    ttl = (expires_at + DEFAULT_LEEWAY - now).total_seconds() + 1
    if not _replay_guard().claim(issuer[:64], jti, max(ttl, 1.0)):
        raise TokenReplayed("this token was already used")


_DEVICE_ROW = Prepared(
    select(
        Device.id,
        Device.user_id,
        Device.public_jwk,
        Device.jwk_thumbprint,
        Device.revoked_at,
        Device.last_seen_at,
        User.username,
        User.realm_id,
    )
    .join(User, User.id == Device.user_id)
    .where(Device.id == bindparam("device_id"))
)


_SEEN = Prepared(
    update(Device).where(Device.id == bindparam("b_device")).values(last_seen_at=bindparam("b_now"))
)


def _device_of(realm: RealmRef, token: str) -> tuple[Any, EllipticCurvePublicKey]:
    """The device named by the token's ``kid``, in this realm, not removed."""
    kid = peek_header(token).get("kid")
    row = (
        _DEVICE_ROW.first(db.session.connection(), {"device_id": kid})
        if isinstance(kid, str) and len(kid) <= 64
        else None
    )
    if row is None or row.realm_id != realm.id:
        raise DeviceUnknown("no such device in this realm")
    if row.revoked_at is not None:
        raise DeviceRevoked("this device was removed from the account")
    return row, _KEYS.get(row.jwk_thumbprint, row.public_jwk)


def _seen(row: Any, now: datetime) -> DeviceRef:
    if row.last_seen_at is None or now - row.last_seen_at > LAST_SEEN_RESOLUTION:
        _SEEN.run(db.session.connection(), {"b_device": row.id, "b_now": now})
    return DeviceRef(
        id=row.id,
        user_id=row.user_id,
        username=row.username,
        key=_KEYS.get(row.jwk_thumbprint, row.public_jwk),
    )


def authenticate_device(
    realm: RealmRef,
    authorization: str | None,
    *,
    method: str,
    path: str,
    base_url: str,
    now: datetime,
) -> DeviceRef:
    token = token_from_authorization(authorization)
    row, key = _device_of(realm, token)
    claims = verify(
        token,
        keys={row.id: key},
        model=DeviceAuthToken,
        audience=realm_url(base_url, realm.slug),
        issuer=row.id,
        now=now,
    )
    require_current_device_version(claims.v)
    if not claims.matches_request(method, path):
        raise TokenWrongRequest(f"token made for {claims.htm} {claims.htu}")
    remember_jti(claims.jti, issuer=row.id, expires_at=claims.expires_at, now=now)
    return _seen(row, now)


def authenticate_decision(
    realm: RealmRef, token: str, *, base_url: str, now: datetime
) -> tuple[DeviceRef, PushDecision]:
    """A decision authenticates its device by itself (protocol v2): it is signed by the device
    key (``kid`` = device id), typed ``push-decision+jwt``, addressed to the realm, bound to one
    challenge and its nonce, and single use. One signature and one replay check per decision."""
    row, key = _device_of(realm, token)
    decision = verify(
        token,
        keys={row.id: key},
        model=PushDecision,
        audience=realm_url(base_url, realm.slug),
        issuer=row.id,
        now=now,
    )
    require_current_device_version(decision.v)
    remember_jti(decision.jti, issuer=row.id, expires_at=decision.expires_at, now=now)
    return _seen(row, now), decision
