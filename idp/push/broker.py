"""Fan-out of challenge hints to the devices' SSE streams and long-polls.

In-process by default: one queue per subscriber, keyed by device id. ``queue.Queue`` is
cooperative once gevent has patched the process, so thousands of waiting streams cost a
greenlet each. The challenge itself lives in the database; a lost hint only delays a device
until its next catch-up from ``pending`` (DESIGN.md §2).
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from shared.messages import ChallengeHint

__all__ = ["Broker", "Subscription"]

MAX_QUEUED = 64


class Subscription:
    def __init__(self) -> None:
        self.queue: queue.Queue[ChallengeHint] = queue.Queue(maxsize=MAX_QUEUED)

    def get(self, timeout: float) -> ChallengeHint | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class Broker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = defaultdict(set)

    def publish(self, device_ids: list[str], hint: ChallengeHint) -> int:
        delivered = 0
        with self._lock:
            targets = [s for d in device_ids for s in self._subs.get(d, ())]
        for sub in targets:
            try:
                sub.queue.put_nowait(hint)
                delivered += 1
            except queue.Full:
                # A stuck consumer loses hints, not challenges: it catches up from pending.
                pass
        return delivered

    @contextmanager
    def subscribe(self, device_id: str) -> Iterator[Subscription]:
        sub = Subscription()
        with self._lock:
            self._subs[device_id].add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                self._subs[device_id].discard(sub)
                if not self._subs[device_id]:
                    del self._subs[device_id]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())
