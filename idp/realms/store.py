"""Realms in the database: import a preset, look a realm up, manage its signing keys."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from flask import current_app, has_app_context
from sqlalchemy import bindparam, select
from sqlalchemy.orm import make_transient_to_detached

from idp.extensions import db
from idp.models import Realm, RealmKey
from idp.realms.cache import MAX_SLUG, RealmRef, RealmRow, realm_changed
from idp.realms.preset import RealmPreset
from idp.security.passwords import Hasher
from idp.users.service import create_user, find_user
from shared.keys import (
    generate_private_key,
    jwk_thumbprint,
    private_key_from_pem,
    private_key_to_pem,
    public_jwk,
)

__all__ = [
    "active_key",
    "all_realms",
    "ensure_demo_users",
    "get_realm",
    "import_preset",
    "load_realm_ref",
    "load_realm_row",
    "preset_of",
    "realm_for_request",
    "rotate_key",
]


_BY_SLUG = select(Realm).where(Realm.slug == bindparam("slug"))  # every realm request: built once


def get_realm(slug: str) -> Realm | None:
    if not 0 < len(slug) <= MAX_SLUG:
        return None
    return db.session.scalar(_BY_SLUG, {"slug": slug})


def realm_for_request(slug: str) -> Realm | None:
    """The realm of a page, in this request's session, without a query when it is cached.

    The pages' row cache (``idp.realm_rows``, a :class:`~idp.realms.cache.RealmRow` per slug,
    invalidated with the hot path's snapshots: on import and key rotation, here and in the
    other processes, and never older than its TTL) keeps a detached copy of the row; it is
    merged into the session without loading (``merge(load=False)``), with its parsed preset, so
    a page neither reads the row nor parses the preset again. Without a cache (commands), or
    for a slug the cache does not know, the row is read. The copy's ``preset`` dict is shared
    by every request: it is replaced on import, never changed in place (nothing does, and the
    JSON column would not notice).
    """
    cache = current_app.extensions.get("idp.realm_rows") if has_app_context() else None
    kept = cache.get(slug) if cache is not None else None
    if kept is None:
        return get_realm(slug)
    realm: Realm = db.session.merge(kept.row, load=False)
    if realm.preset is kept.row.preset:
        realm.__dict__.setdefault("_parsed_preset", (realm.preset, kept.preset))
    return realm


def load_realm_row(slug: str) -> RealmRow | None:
    """The pages' copy of a realm's row (see :func:`realm_for_request`)."""
    realm = get_realm(slug)
    if realm is None:
        return None
    copy = Realm(**{column: getattr(realm, column) for column in _REALM_COLUMNS})
    make_transient_to_detached(copy)
    return RealmRow(row=copy, preset=preset_of(realm))


_REALM_COLUMNS = tuple(c.key for c in Realm.__table__.columns)


def all_realms() -> list[Realm]:
    return list(db.session.scalars(select(Realm).order_by(Realm.display_name)))


def preset_of(realm: Realm) -> RealmPreset:
    """The realm's validated preset (parsed once per stored content).

    Kept on the loaded row too, for as long as its ``preset`` is the same object (the column
    is replaced, never mutated in place): a request asks several times.
    """
    source = realm.preset
    held = realm.__dict__.get("_parsed_preset")
    if held is not None and held[0] is source:
        return held[1]  # type: ignore[no-any-return]
    parsed = _parse(json.dumps(source, sort_keys=True))
    realm.__dict__["_parsed_preset"] = (source, parsed)
    return parsed


@lru_cache(maxsize=64)
def _parse(frozen: str) -> RealmPreset:
    return RealmPreset.model_validate_json(frozen)


def import_preset(preset: RealmPreset, *, now: datetime) -> tuple[Realm, bool]:
    """Create or update the realm from its preset; returns (realm, created)."""
    realm = get_realm(preset.slug)
    created = realm is None
    data = preset.model_dump(mode="json")
    if realm is None:
        realm = Realm(slug=preset.slug, created_at=now, updated_at=now, preset=data)
        db.session.add(realm)
    elif realm.preset != data:
        realm.updated_at = now
    realm.display_name = preset.display_name
    realm.preset = data
    db.session.flush()
    if active_key(realm) is None:
        rotate_key(realm, now=now)
    realm_changed(realm.slug)
    return realm, created


def active_key(realm: Realm) -> RealmKey | None:
    return db.session.scalar(
        select(RealmKey)
        .where(RealmKey.realm_id == realm.id, RealmKey.retired_at.is_(None))
        .order_by(RealmKey.id.desc())
    )


def rotate_key(realm: Realm, *, now: datetime) -> RealmKey:
    """Make a new ES256 signing key; the previous one stays published but retired."""
    previous = active_key(realm)
    if previous is not None:
        previous.retired_at = now
    private = generate_private_key()
    kid = f"{realm.slug}-{jwk_thumbprint(public_jwk(private))[:16]}-{secrets.token_hex(2)}"
    key = RealmKey(
        realm_id=realm.id,
        kid=kid,
        private_pem=private_key_to_pem(private).decode("ascii"),
        public_jwk=public_jwk(private, kid=kid),
        created_at=now,
    )
    db.session.add(key)
    db.session.flush()
    realm_changed(realm.slug)
    return key


def load_realm_ref(slug: str) -> RealmRef | None:
    """The immutable snapshot the hot paths use (see :mod:`idp.realms.cache`)."""
    realm = get_realm(slug)
    key = active_key(realm) if realm is not None else None
    if realm is None or key is None:
        return None
    return RealmRef(
        id=realm.id,
        slug=realm.slug,
        preset=preset_of(realm),
        key_id=key.kid,
        private_key=private_key_of(key.private_pem),
    )


@lru_cache(maxsize=32)
def private_key_of(pem: str) -> EllipticCurvePrivateKey:
    # Parsing PEM costs more than signing; keys are immutable, so parse each one once.
    return private_key_from_pem(pem.encode("ascii"))


def ensure_demo_users(realm: Realm, preset: RealmPreset, *, hasher: Hasher, now: datetime) -> int:
    """Create the preset's demo users that do not exist yet; returns how many were created."""
    created = 0
    for demo in preset.demo_users:
        if find_user(realm, demo.username) is not None:
            continue
        create_user(
            realm,
            demo.username,
            password=demo.password,
            hasher=hasher,
            now=now,
            email=demo.email,
            display_name=demo.display_name or None,
            language=demo.language,
            attrs=dict(demo.attrs),
            activated=demo.activated,
        )
        created += 1
    return created
