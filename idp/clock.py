"""The injected clock: services take ``now=``, views ask the app's clock.

Tests and the test mode pass a fixed or offset clock instead of freezing time globally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app

__all__ = ["Clock", "FixedClock", "SystemClock", "now", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SystemClock:
    """Wall clock, optionally shifted (test mode uses an offset to simulate elapsed days)."""

    offset: timedelta = timedelta(0)
    source: Callable[[], datetime] = utcnow

    def now(self) -> datetime:
        return self.source() + self.offset


@dataclass
class FixedClock:
    """A clock that only moves when told to (either way; ``reset`` goes back to the start)."""

    current: datetime
    start: datetime = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.current

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta

    def reset(self) -> None:
        self.current = self.start


Clock = SystemClock | FixedClock


def now() -> datetime:
    """The current time according to the running app's clock."""
    clock: Clock = current_app.extensions["idp.clock"]
    return clock.now()
