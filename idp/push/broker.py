"""Delivery of challenge events to the devices' SSE streams and long-polls.

A :class:`Broker` fans out :class:`~shared.messages.ChallengeHint` values to subscriptions. An
event is addressed to one device (its id: a new challenge, signed for that device) or to every
device of a user (:func:`user_address`: "decided", "superseded"), so that a decision does not
need to look up the user's devices to tell them. :class:`LocalBroker` does it within one
process (one queue per subscriber; ``queue.Queue`` is cooperative once gevent has patched the
process, so thousands of waiting streams cost a greenlet each).
:class:`idp.push.redis_broker.RedisBroker` carries the same events across processes and
instances through Redis pub/sub.

The challenge itself lives in the database: a lost event only delays a device until its next
catch-up from ``pending`` (DESIGN.md §2). A subscription whose broker lost its upstream is
*lost*: the stream ends, the device reconnects and catches up.
"""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

from shared.messages import ChallengeHint

__all__ = [
    "Broker",
    "BrokerUnavailable",
    "Delivery",
    "LocalBroker",
    "Subscription",
    "SubscriptionLost",
    "user_address",
]

MAX_QUEUED = 64

Delivery = tuple[str, ChallengeHint]
"""(address, event): the address is a device id or a :func:`user_address`."""

USER_PREFIX = "user:"


def user_address(user_id: int) -> str:
    """The address of every device of a user (device ids never contain ``:``)."""
    return f"{USER_PREFIX}{user_id}"


class BrokerUnavailable(RuntimeError):
    """The broker cannot take subscriptions or events now (its Redis is unreachable)."""


class SubscriptionLost(RuntimeError):
    """The broker lost its upstream: events may have been missed; reconnect and catch up."""


_LOST = object()


class Subscription:
    def __init__(self) -> None:
        self.queue: queue.Queue[object] = queue.Queue(maxsize=MAX_QUEUED)

    def get(self, timeout: float) -> ChallengeHint | None:
        """The next event, or None after ``timeout`` s; raises :class:`SubscriptionLost`."""
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _LOST:
            raise SubscriptionLost("the event broker lost its connection")
        assert isinstance(item, ChallengeHint)  # noqa: S101 - only hints and _LOST are queued
        return item

    def offer(self, hint: ChallengeHint) -> bool:
        try:
            self.queue.put_nowait(hint)
        except queue.Full:
            # A stuck consumer loses events, not challenges: it catches up from pending.
            return False
        return True

    def lose(self) -> None:
        try:
            self.queue.put_nowait(_LOST)
        except queue.Full:
            # Full of events it does not read: empty it so the loss is seen first.
            with self.queue.mutex:
                self.queue.queue.clear()
            self.queue.put_nowait(_LOST)


class Broker(ABC):
    @abstractmethod
    def publish(self, deliveries: Iterable[Delivery]) -> int:
        """Send each event to its device's subscriptions; returns how many were delivered
        locally (a remote broker cannot count its remote deliveries: 0 for those)."""

    @abstractmethod
    def subscribe(self, *addresses: str) -> AbstractContextManager[Subscription]:
        """One subscription to the events of each address (a device id, a
        :func:`user_address`), each event once; active when the context is entered."""

    def close(self) -> None:  # noqa: B027 - most brokers hold nothing to release
        """Release connections (process shutdown)."""


class LocalBroker(Broker):
    """In-process fan-out; also the local half of :class:`RedisBroker`.

    ``on_last`` is called (outside the lock) when an address loses its last local subscriber.
    """

    def __init__(self, *, on_last: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._on_last = on_last

    def publish(self, deliveries: Iterable[Delivery]) -> int:
        delivered = 0
        with self._lock:
            targets = [(s, h) for address, h in deliveries for s in self._subs.get(address, ())]
        for sub, hint in targets:
            delivered += sub.offer(hint)
        return delivered

    @contextmanager
    def subscribe(self, *addresses: str) -> Iterator[Subscription]:
        sub = Subscription()
        with self._lock:
            for address in addresses:
                self._subs[address].add(sub)
        try:
            yield sub
        finally:
            emptied = []
            with self._lock:
                for address in addresses:
                    self._subs[address].discard(sub)
                    if not self._subs[address]:
                        del self._subs[address]
                        emptied.append(address)
            if self._on_last is not None:
                for address in emptied:
                    self._on_last(address)

    def lose_all(self) -> None:
        """Tell every subscription it may have missed events (its streams end)."""
        with self._lock:
            subs = {s for group in self._subs.values() for s in group}
        for sub in subs:
            sub.lose()

    def has_subscribers(self, address: str) -> bool:
        with self._lock:
            return bool(self._subs.get(address))

    def subscriber_count(self) -> int:
        with self._lock:
            return len({s for group in self._subs.values() for s in group})
