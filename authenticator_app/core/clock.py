"""The injected clock and randomness (DESIGN.md §6.7).

Nothing in the core reads the wall clock or the random source directly: services take a
:data:`Clock` (``now()`` -> aware UTC datetime) and a :data:`RandomBytes` (``token_bytes``-like).
Tests pass a :class:`FixedClock` and deterministic bytes.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from shared.identifiers import RandomBytes

__all__ = [
    "MAX_CLOCK_OFFSET_SECONDS",
    "AdjustableClock",
    "Clock",
    "FixedClock",
    "RandomBytes",
    "offset_clock",
    "system_clock",
    "system_random",
]

Clock = Callable[[], datetime]
# The IdP's test-mode clock moves at most this far either way: the phone's skew the same.
MAX_CLOCK_OFFSET_SECONDS = 400 * 86400


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


def offset_clock(base: Clock, seconds: float) -> Clock:
    """``base`` shifted by ``seconds`` (either way): a phone whose clock is wrong, for testing
    TOTP drift, challenge expiry and ``iat`` windows (``authenticator --clock-offset``).

    ValueError when ``seconds`` is not a finite number within ``MAX_CLOCK_OFFSET_SECONDS``.
    """
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or abs(seconds) > MAX_CLOCK_OFFSET_SECONDS
    ):
        raise ValueError(
            f"a clock offset is a number of seconds within ±{MAX_CLOCK_OFFSET_SECONDS}"
        )
    if not seconds:
        return base
    shift = timedelta(seconds=seconds)

    def shifted() -> datetime:
        return base() + shift

    return shifted


class AdjustableClock:
    """``base`` plus an offset that can change while the app runs (its test-mode setting):
    every service holding this clock follows a change at once."""

    def __init__(self, base: Clock, offset_seconds: int = 0) -> None:
        self._base = base
        self._offset = 0
        self.offset_seconds = offset_seconds

    @property
    def offset_seconds(self) -> int:
        return self._offset

    @offset_seconds.setter
    def offset_seconds(self, seconds: int) -> None:
        offset_clock(self._base, seconds)  # ValueError when out of range
        self._offset = int(seconds)

    def __call__(self) -> datetime:
        return self._base() + timedelta(seconds=self._offset)
