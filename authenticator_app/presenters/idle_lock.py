"""The app lock's idle tracking: lock after a chosen idle time, and when the app is paused.

Plain Python with an injected clock; the app feeds it touches and keys (:meth:`touched`) and
asks it on a timer (:meth:`should_lock`). Locking is the app's full lock (the vault key is
forgotten, the push watch stops): a push sent meanwhile waits at the IdP and is fetched, then
shown, right after the PIN opens the vault again (the watch catches up from ``pending``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from authenticator_app.core.clock import Clock, system_clock
from authenticator_app.i18n import Translator

__all__ = ["DEFAULT_IDLE_SECONDS", "IDLE_CHOICES", "IdleLock", "idle_label"]

#: Seconds of idle time before the lock; 0 means never (pausing the app still locks).
IDLE_CHOICES: Final[tuple[int, ...]] = (30, 60, 300, 900, 0)
DEFAULT_IDLE_SECONDS: Final = 60


def idle_label(seconds: int, _: Translator) -> str:
    """« 30 s », « 1 min », « Jamais »: the settings' words for an idle time."""
    if seconds <= 0:
        return _("Jamais")
    if seconds < 60:
        return _("{seconds}\u00a0s").format(seconds=seconds)
    return _("{minutes}\u00a0min").format(minutes=seconds // 60)


class IdleLock:
    """Tracks the last user activity and whether the app is locked."""

    def __init__(
        self, idle_seconds: int = DEFAULT_IDLE_SECONDS, clock: Clock = system_clock
    ) -> None:
        self._clock = clock
        self._last: datetime
        self.idle_seconds = idle_seconds  # the idle time counts from now
        self.locked = True

    @property
    def idle_seconds(self) -> int:
        return self._idle_seconds

    @idle_seconds.setter
    def idle_seconds(self, seconds: int) -> None:
        self._idle_seconds = max(0, int(seconds))
        self._last = self._clock()  # a new choice counts from now

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
        """The app goes to the background, or is locked by hand: locked now. True if it was
        unlocked."""
        was_unlocked = not self.locked
        self.locked = True
        return was_unlocked
