"""argon2id password hashing, run off the gevent loop.

argon2 is CPU-bound by design (tens of milliseconds); inside gunicorn's gevent worker a direct
call would stall every other greenlet, SSE streams included. When gevent has patched the
process we hand the work to the hub's native thread pool; argon2-cffi releases the GIL while
hashing, so the loop keeps serving.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["Hasher", "constant_time_equals", "current_hasher", "run_off_loop"]

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


@dataclass
class Hasher:
    time_cost: int = 3
    memory_cost: int = 64 * 1024
    parallelism: int = 2

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
        # The exception is caught inside the worker thread: one raised there is printed by
        # gevent's hub as a traceback (an 11-line one per wrong password) before reaching us.
        ok = run_off_loop(self._verify_quietly, target, password)
        return ok and stored_hash is not None

    def _verify_quietly(self, target: str, password: str) -> bool:
        try:
            return bool(self._ph.verify(target, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return bool(self._ph.check_needs_rehash(stored_hash))


def current_hasher() -> Hasher:
    """The running app's hasher (cost parameters come from the config)."""
    from flask import current_app

    hasher: Hasher = current_app.extensions["idp.hasher"]
    return hasher
