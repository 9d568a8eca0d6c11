"""The injected clock and randomness (DESIGN.md §6.7).

Nothing in the core reads the wall clock or the random source directly: services take a
:data:`Clock` (``now()`` -> aware UTC datetime) and a :data:`RandomBytes` (``token_bytes``-like).
Tests pass a :class:`FixedClock` and deterministic bytes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.identifiers import RandomBytes

__all__ = ["Clock", "FixedClock", "RandomBytes", "system_clock", "system_random"]

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def system_random(size: int) -> bytes:
    """``size`` bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(size)


class FixedClock:
    """A clock that only moves when told to (for tests and previews)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock is timezone-aware")
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a clock is timezone-aware")
        self._now = moment
