"""The keys an OpenID Provider signs ID tokens with, and its published JWKS.

ES256 is the realm's own key (``RealmKey``, the one that signs push challenges, rotatable by
kid). RS256 is offered for relying parties that cannot verify ES256: a realm gets its RSA
key when the first client asking for RS256 is registered, so it never appears lazily on a
read.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import select

from idp.extensions import db
from idp.models import OidcRsaKey, Realm, RealmKey
from idp.realms.store import active_key

__all__ = ["ensure_rsa_key", "public_key_set", "published_jwks", "signing_key"]


def ensure_rsa_key(realm: Realm, *, now: datetime) -> OidcRsaKey:
    existing = db.session.scalar(select(OidcRsaKey).where(OidcRsaKey.realm_id == realm.id))
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    kid = f"{realm.slug}-rs256-{secrets.token_hex(4)}"
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})
    row = OidcRsaKey(
        realm_id=realm.id,
        kid=kid,
        private_pem=key.as_pem(private=True).decode("ascii"),
        public_jwk={**key.as_dict(private=False), "alg": "RS256", "use": "sig"},
        created_at=now,
    )
    db.session.add(row)
    return row


def published_jwks(realm: Realm) -> dict[str, Any]:
    """Every ES256 key of the realm (retired ones too, so issued tokens verify) and the RSA key."""
    keys: list[dict[str, Any]] = []
    for row in db.session.scalars(
        select(RealmKey).where(RealmKey.realm_id == realm.id).order_by(RealmKey.id)
    ):
        keys.append({**row.public_jwk, "alg": "ES256", "use": "sig"})
    rsa = db.session.scalar(select(OidcRsaKey).where(OidcRsaKey.realm_id == realm.id))
    if rsa is not None:
        keys.append(dict(rsa.public_jwk))
    return {"keys": keys}


def public_key_set(realm: Realm) -> KeySet:
    return KeySet.import_key_set(published_jwks(realm))  # type: ignore[arg-type]


def signing_key(realm: Realm, alg: str) -> ECKey | RSAKey:
    """The private key that signs ``alg`` tokens for ``realm`` (kid set)."""
    if alg == "RS256":
        rsa = db.session.scalar(select(OidcRsaKey).where(OidcRsaKey.realm_id == realm.id))
        if rsa is None:
            raise LookupError(f"realm {realm.slug} has no RS256 key")
        return RSAKey.import_key(rsa.private_pem, parameters={"kid": rsa.kid})
    es = active_key(realm)
    if es is None:  # pragma: no cover - import_preset always makes one
        raise LookupError(f"realm {realm.slug} has no ES256 key")
    return ECKey.import_key(es.private_pem, parameters={"kid": es.kid})
