"""The test-mode clock: the server's time shifted by an offset every process shares.

``POST /_dev/clock`` moves it both ways (``{"seconds": N}``, N may be negative) or back to the
wall clock (``{"reset": true}``). When the IdP is scaled out, the offset lives in Redis (one
``INCRBY`` per move, so concurrent moves add up) and each process keeps it for at most
``ttl`` seconds: the push hot path reads the clock on every request, so reading Redis each
time is out. A move is seen at once by the process that made it, and by the others as soon as
the control message on ``idp:control`` arrives (their cache is dropped), or after ``ttl`` at
the latest (a process that holds no event subscription does not read that channel).
Without Redis there is one process, and the offset is kept in it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from idp.clock import utcnow

log = logging.getLogger(__name__)

__all__ = [
    "CONTROL_MESSAGE",
    "MAX_OFFSET_SECONDS",
    "REDIS_KEY",
    "ClockOutOfRange",
    "LocalOffsetStore",
    "OffsetStore",
    "RedisOffsetStore",
    "SharedClock",
]

# The same bound as the forward-only clock had: 400 days, either way.
MAX_OFFSET_SECONDS = 400 * 86400
REDIS_KEY = "idp:testmode:clock-offset"
CONTROL_MESSAGE = "clock-changed"


class ClockOutOfRange(ValueError):
    """The move would take the offset beyond ``MAX_OFFSET_SECONDS`` either way."""

    code = "clock_out_of_range"

    def __init__(self, offset: int) -> None:
        super().__init__(f"the offset would be {offset} s, beyond ±{MAX_OFFSET_SECONDS} s")
        self.offset = offset


class OffsetStore(Protocol):
    def read(self) -> int: ...

    def add(self, seconds: int) -> int:
        """Add ``seconds`` atomically; the new offset (ClockOutOfRange: nothing changed)."""
        ...

    def clear(self) -> None: ...


class LocalOffsetStore:
    """One process: the offset in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0

    def read(self) -> int:
        return self._offset

    def add(self, seconds: int) -> int:
        with self._lock:
            offset = self._offset + seconds
            if abs(offset) > MAX_OFFSET_SECONDS:
                raise ClockOutOfRange(offset)
            self._offset = offset
            return offset

    def clear(self) -> None:
        with self._lock:
            self._offset = 0


# Add and check the bound in one step: concurrent moves from any instance add up exactly.
_BOUNDED_ADD = """
local offset = redis.call('INCRBY', KEYS[1], ARGV[1])
if math.abs(offset) > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return {0, offset}
end
return {1, offset}
"""


class RedisOffsetStore:
    """Scaled out: the offset in Redis, shared by every worker and instance."""

    def __init__(self, client: Any, key: str = REDIS_KEY) -> None:
        self._client = client
        self._key = key

    def read(self) -> int:
        value = self._client.get(self._key)
        return int(value) if value is not None else 0

    def add(self, seconds: int) -> int:
        ok, offset = self._client.eval(_BOUNDED_ADD, 1, self._key, seconds, MAX_OFFSET_SECONDS)
        if not ok:
            raise ClockOutOfRange(int(offset))
        return int(offset)

    def clear(self) -> None:
        self._client.delete(self._key)


@dataclass
class SharedClock:
    """Wall clock + the shared offset (read through a short cache)."""

    store: OffsetStore
    ttl: float = 1.0
    source: Callable[[], datetime] = utcnow
    monotonic: Callable[[], float] = time.monotonic
    notify: Callable[[str], None] | None = None
    """Tells the other processes (the broker's ``broadcast`` when scaled out)."""
    _cached: tuple[float, int] | None = field(default=None, init=False, repr=False)
    _last: int = field(default=0, init=False, repr=False)

    def now(self) -> datetime:
        return self.source() + timedelta(seconds=self.offset_seconds())

    def offset_seconds(self) -> int:
        cached = self._cached
        moment = self.monotonic()
        if cached is not None and cached[0] > moment:
            return cached[1]
        try:
            offset = self._last = self.store.read()
        except Exception as exc:  # any store failure: Redis down, restarting...
            # Reading the clock must not fail a request the IdP can otherwise serve (the push
            # path keeps working on PostgreSQL while Redis restarts): keep the last offset seen.
            log.warning(
                "test clock: offset unreadable (%s); keeping %d s", type(exc).__name__, self._last
            )
            offset = self._last
        self._cached = (moment + self.ttl, offset)
        return offset

    def shift(self, seconds: int) -> int:
        """Move by ``seconds`` (either way); the new offset."""
        offset = self.store.add(seconds)
        self._changed(offset)
        return offset

    def reset(self) -> None:
        """Back to the wall clock."""
        self.store.clear()
        self._changed(0)

    def on_control(self, message: str) -> None:
        """A control message from another process: drop the cached offset."""
        if message == CONTROL_MESSAGE:
            self._cached = None

    def _changed(self, offset: int) -> None:
        self._last = offset
        self._cached = (self.monotonic() + self.ttl, offset)
        if self.notify is not None:
            self.notify(CONTROL_MESSAGE)
