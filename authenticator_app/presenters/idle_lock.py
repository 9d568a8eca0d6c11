"""The app lock's idle tracking: lock after a chosen idle time or when the app is paused.

Plain Python with an injected clock; the app feeds it touches and keys (:meth:`touched`) and
asks it on a timer (:meth:`should_lock`). A push that arrives while locked waits here until the
PIN opens the vault again (:meth:`hold_push` / :meth:`take_held_push`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Generic, TypeVar

from authenticator_app.core.clock import Clock, system_clock

__all__ = ["DEFAULT_IDLE_SECONDS", "IDLE_CHOICES", "IdleLock"]

#: Seconds of idle time before the lock; 0 means never (pausing the app still locks).
IDLE_CHOICES: Final[tuple[int, ...]] = (30, 60, 300, 900, 0)
DEFAULT_IDLE_SECONDS: Final = 60

P = TypeVar("P")


class IdleLock(Generic[P]):
    """Tracks the last user activity and whether the app is locked."""

    def __init__(
        self, idle_seconds: int = DEFAULT_IDLE_SECONDS, clock: Clock = system_clock
    ) -> None:
        self._clock = clock
        self.idle_seconds = idle_seconds
        self._last: datetime = clock()
        self.locked = True
        self._held: P | None = None

    @property
    def idle_seconds(self) -> int:
        return self._idle_seconds

    @idle_seconds.setter
    def idle_seconds(self, seconds: int) -> None:
        self._idle_seconds = max(0, int(seconds))

    def touched(self) -> None:
        """A touch or a key: the idle time starts again."""
        self._last = self._clock()

    def unlocked(self) -> None:
        self.locked = False
        self._last = self._clock()

    def should_lock(self) -> bool:
        """True (once) when the idle time has run out while unlocked; the app then locks."""
        if self.locked or self._idle_seconds == 0:
            return False
        if (self._clock() - self._last).total_seconds() >= self._idle_seconds:
            self.locked = True
            return True
        return False

    def paused(self) -> bool:
        """The app goes to the background: lock now. True if it was unlocked."""
        was_unlocked = not self.locked
        self.locked = True
        return was_unlocked

    def hold_push(self, push: P) -> bool:
        """A push arrived: False if unlocked (show it now), else it waits for the PIN."""
        if not self.locked:
            return False
        self._held = push
        return True

    def take_held_push(self) -> P | None:
        held, self._held = self._held, None
        return held
