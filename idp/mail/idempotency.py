"""Remember which logical mails were delivered, so a retried page does not send twice.

``SentKeys`` is an in-process LRU of the last ``capacity`` delivered idempotency keys (stored
as SHA-256 digests, with the first delivery's result), plus one lock per key in flight: two
concurrent sends of the same key (a double submit) run one after the other, and the second
finds the first's success. Only successes are remembered: after a failure the key is free and
a retry really sends.

Limit: the memory is per process. Several gunicorn workers or IdP instances, or a restart,
forget each other's keys; a flow that must hold across them keeps its own "sent" mark in its
(database) state as well. A table-backed store can replace this class (same ``claim``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from idp.mail.message import DeliveryResult

__all__ = ["Claim", "SentKeys"]


class Claim:
    """The right to send one key; ``previous`` is set when it was already delivered."""

    def __init__(self, keys: SentKeys, digest: str, previous: DeliveryResult | None) -> None:
        self._keys = keys
        self._digest = digest
        self.previous = previous

    def delivered(self, result: DeliveryResult) -> None:
        self._keys._remember(self._digest, result)


class SentKeys:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._guard = threading.Lock()
        self._sent: OrderedDict[str, DeliveryResult] = OrderedDict()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._sent)

    @contextmanager
    def claim(self, key: str) -> Iterator[Claim]:
        """Hold ``key`` for the duration of a send (waiting for another holder to finish)."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        with self._guard:
            lock, holders = self._locks.get(digest) or (threading.Lock(), 0)
            self._locks[digest] = (lock, holders + 1)
        try:
            with lock:
                with self._guard:
                    previous = self._sent.get(digest)
                    if previous is not None:
                        self._sent.move_to_end(digest)
                yield Claim(self, digest, previous)
        finally:
            with self._guard:
                lock, holders = self._locks[digest]
                if holders <= 1:
                    del self._locks[digest]
                else:
                    self._locks[digest] = (lock, holders - 1)

    def _remember(self, digest: str, result: DeliveryResult) -> None:
        with self._guard:
            self._sent[digest] = result
            self._sent.move_to_end(digest)
            while len(self._sent) > self.capacity:
                self._sent.popitem(last=False)
