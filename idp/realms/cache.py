"""What the hot paths need of a realm, read once and kept: id, preset, active signing key.

The device API answers thousands of calls a second for a handful of realms that change only
when an administrator re-imports a preset or rotates a key. :class:`RealmCache` keeps an
immutable :class:`RealmRef` per slug:

- invalidated explicitly by :func:`realm_changed` (called by ``import_preset`` and
  ``rotate_key``) in this process, and in every other process through the broker's control
  channel when the IdP is scaled out with Redis;
- and never older than ``ttl`` seconds, the bound for a change made by another process that
  could not tell this one (``idp realm import`` on a single-process install).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from flask import current_app, has_app_context

from idp.realms.preset import RealmPreset

if TYPE_CHECKING:
    from idp.models import Realm

__all__ = [
    "CACHES",
    "CONTROL_PREFIX",
    "MAX_SLUG",
    "RealmCache",
    "RealmRef",
    "RealmRow",
    "realm_changed",
]

CONTROL_PREFIX = "realm-changed:"
# Where the app keeps its realm caches (idp.scaleout): the hot paths' snapshots, the pages' rows.
CACHES = ("idp.realm_cache", "idp.realm_rows")
MAX_SLUG = 40  # the realm table's slug column: a longer one names no realm, and is not looked up
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RealmRef:
    id: int
    slug: str
    preset: RealmPreset
    key_id: str
    private_key: EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class RealmRow:
    """What a page needs of its realm: a detached copy of the row, merged into the request's
    session instead of read (:func:`idp.realms.store.realm_for_request`), and its parsed preset.
    Kept apart from :class:`RealmRef` so that pages never depend on the signing key."""

    row: Realm
    preset: RealmPreset


class RealmCache(Generic[T]):
    def __init__(
        self,
        load: Callable[[str], T | None],
        *,
        ttl: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, T]] = {}

    def get(self, slug: str) -> T | None:
        if not 0 < len(slug) <= MAX_SLUG:
            return None
        now = self._monotonic()
        entry = self._entries.get(slug)
        if entry is not None and entry[0] > now:
            return entry[1]
        ref = self._load(slug)
        if ref is not None:
            with self._lock:
                self._entries[slug] = (now + self._ttl, ref)
        return ref

    def invalidate(self, slug: str | None = None) -> None:
        with self._lock:
            if slug is None:
                self._entries.clear()
            else:
                self._entries.pop(slug, None)

    def on_control(self, message: str) -> None:
        """A control message from another process (see :func:`realm_changed`)."""
        if message.startswith(CONTROL_PREFIX):
            self.invalidate(message[len(CONTROL_PREFIX) :] or None)


def realm_changed(slug: str) -> None:
    """Forget ``slug`` here and in the other processes (when scaled out), once the current
    transaction commits (before, another process would reload the old rows)."""
    if not has_app_context():
        return
    from sqlalchemy import event

    from idp.extensions import db

    caches = [current_app.extensions.get(name) for name in CACHES]
    broadcast = getattr(current_app.extensions.get("idp.broker"), "broadcast", None)

    def _forget(*_args: object) -> None:
        for cache in caches:
            if isinstance(cache, RealmCache):
                cache.invalidate(slug)
        if broadcast is not None:
            broadcast(CONTROL_PREFIX + slug)

    _forget()
    event.listen(db.session(), "after_commit", _forget, once=True)
