"""argon2id password hashing, run off the gevent loop.

argon2 is CPU-bound by design (tens of milliseconds); inside gunicorn's gevent worker a direct
call would stall every other greenlet, SSE streams included. When gevent has patched the
process we hand the work to the hub's native thread pool; argon2-cffi releases the GIL while
hashing, so the loop keeps serving.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Hasher", "constant_time_equals", "current_hasher", "hasher_with", "run_off_loop"]

T = TypeVar("T")


def _gevent_active() -> bool:
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency of the idp extra
        return False
    return bool(monkey.is_module_patched("threading"))


def run_off_loop(func: Callable[..., T], *args: object) -> T:
    """Run ``func(*args)`` in gevent's thread pool when gevent is active, else inline."""
    if _gevent_active():
        import gevent

        result: T = gevent.get_hub().threadpool.apply(func, args)
        return result
    return func(*args)


def constant_time_equals(left: str, right: str) -> bool:
    """Compare secrets without leaking where they differ (codes, answers, tokens)."""
    return hmac.compare_digest(left.encode("utf-8"), right.encode("utf-8"))


def _verify_quietly(ph: PasswordHasher, stored_hash: str, password: str) -> bool:
    try:
        return bool(ph.verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass
class Hasher:
    # OWASP's minimum for argon2id (Password Storage Cheat Sheet): m=19 MiB, t=2, p=1.
    time_cost: int = 2
    memory_cost: int = 19 * 1024
    parallelism: int = 1

    def __post_init__(self) -> None:
        self._ph = PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            type=Type.ID,
        )
        # Verified against when the account does not exist, so that both answers cost the
        # same time (no user enumeration by timing).
        self._dummy = self._ph.hash("dummy password for timing equalisation")

    def hash(self, password: str) -> str:
        return run_off_loop(self._ph.hash, password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; a missing or corrupt hash costs the same and fails."""
        target = stored_hash or self._dummy
        # The mismatch is caught inside the pool's thread: an exception crossing gevent's
        # thread pool is printed as a traceback, one per wrong password.
        ok = run_off_loop(_verify_quietly, self._ph, target, password)
        return ok and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return bool(self._ph.check_needs_rehash(stored_hash))


def current_hasher() -> Hasher:
    """The hasher for this request: the server's (``IDP_ARGON2_*``), with the cost the realm
    being served sets in its preset (``[password_hashing]``), if any."""
    from flask import current_app, g, has_request_context

    base: Hasher = current_app.extensions["idp.hasher"]
    realm = g.get("preset") if has_request_context() else None
    settings = getattr(realm, "password_hashing", None)
    if settings is None:
        return base
    return hasher_with(
        time_cost=settings.time_cost or base.time_cost,
        memory_cost=settings.memory_kib or base.memory_cost,
        parallelism=settings.parallelism or base.parallelism,
    )


@functools.lru_cache(maxsize=32)
def hasher_with(*, time_cost: int, memory_cost: int, parallelism: int) -> Hasher:
    """One hasher per parameter set (each computes its own dummy hash once)."""
    return Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
