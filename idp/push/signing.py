"""The realm's signing side: its JWKS and the per-device challenge tokens."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from sqlalchemy import select

from idp.extensions import db
from idp.models import Challenge, Device, Realm, RealmKey, User
from idp.realms.store import active_key
from shared.addresses import realm_url
from shared.jws import sign
from shared.keys import Jwks, private_key_from_pem
from shared.messages import ChallengeContext, Matching, PushChallenge
from shared.timing import unix_time

__all__ = ["realm_jwks", "sign_challenge_for"]


def realm_jwks(realm: Realm) -> Jwks:
    """Every published key of the realm (retired ones too, so in-flight tokens verify)."""
    keys = db.session.scalars(
        select(RealmKey).where(RealmKey.realm_id == realm.id).order_by(RealmKey.id)
    )
    return Jwks(keys=[dict(k.public_jwk) for k in keys])


def sign_challenge_for(
    challenge: Challenge,
    device: Device,
    user: User,
    realm: Realm,
    *,
    base_url: str,
    now: datetime,
) -> str:
    key = active_key(realm)
    if key is None:  # pragma: no cover - import_preset always makes one
        raise RuntimeError(f"realm {realm.slug} has no signing key")
    message = PushChallenge(
        challenge_id=challenge.id,
        device_id=device.id,
        realm=realm.slug,
        user=user.username,
        account=user.username,
        purpose=challenge.purpose,
        context=ChallengeContext(**challenge.context),
        matching=Matching(mode=challenge.matching_mode, choices=challenge.choices),
        nonce=challenge.nonce,
        iss=realm_url(base_url, realm.slug),
        aud=device.id,
        iat=unix_time(now),
        exp=unix_time(challenge.expires_at),
    )
    return sign(message, _private_key(key.private_pem), key.kid)


@lru_cache(maxsize=32)
def _private_key(pem: str) -> EllipticCurvePrivateKey:
    # Parsing PEM costs more than signing; keys are immutable, so parse each one once.
    return private_key_from_pem(pem.encode("ascii"))
