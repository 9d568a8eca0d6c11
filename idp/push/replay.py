"""Single use of token ids (``jti``): each is accepted once until it can no longer verify.

Claims happen outside the database transaction on purpose: a request that fails after its
token was accepted does not free the ``jti`` (a rolled-back INSERT would), so a token or a
decision is never accepted twice, whatever happened to the first request. And the read path
(``pending``, ``events``) needs no database write.

:class:`LocalReplayGuard` keeps the ids in memory with their expiry (one process: the IdP
refuses several workers without Redis). :class:`RedisReplayGuard` uses ``SET key 1 NX PX ttl``,
atomic across every process and instance.
"""

from __future__ import annotations

import hashlib
import heapq
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

import redis

from idp.push.broker import BrokerUnavailable

__all__ = ["LocalReplayGuard", "RedisReplayGuard", "ReplayGuard", "ReplayGuardUnavailable"]


class ReplayGuardUnavailable(BrokerUnavailable):
    """The shared store of used ids is unreachable (Redis down): refuse rather than guess."""


class ReplayGuard(ABC):
    @abstractmethod
    def claim(self, namespace: str, jti: str, ttl_seconds: float) -> bool:
        """True the first time ``(namespace, jti)`` is claimed within ``ttl_seconds``."""


class LocalReplayGuard(ReplayGuard):
    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []
        self._monotonic = monotonic

    def claim(self, namespace: str, jti: str, ttl_seconds: float) -> bool:
        key = f"{namespace}:{jti}"
        now = self._monotonic()
        with self._lock:
            while self._expiry and self._expiry[0][0] <= now:
                _, old = heapq.heappop(self._expiry)
                if self._seen.get(old, now + 1) <= now:
                    del self._seen[old]
            until = self._seen.get(key)
            if until is not None and until > now:
                return False
            self._seen[key] = now + ttl_seconds
            heapq.heappush(self._expiry, (now + ttl_seconds, key))
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)


class RedisReplayGuard(ReplayGuard):
    PREFIX = "idp:jti:"

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def claim(self, namespace: str, jti: str, ttl_seconds: float) -> bool:
        # Hashed: bounded key size whatever the sender put in its jti.
        digest = hashlib.sha256(f"{namespace}:{jti}".encode()).hexdigest()[:40]
        try:
            stored = self._client.set(
                self.PREFIX + digest, b"1", nx=True, px=max(1, int(ttl_seconds * 1000))
            )
        except redis.RedisError as exc:
            raise ReplayGuardUnavailable(f"Redis unreachable: {type(exc).__name__}") from None
        return bool(stored)
