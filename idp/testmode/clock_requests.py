"""What ``POST /_dev/clock`` accepts, checked field by field, with stable error codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from idp.clock import Clock, FixedClock
from idp.testmode.clock import MAX_OFFSET_SECONDS, ClockOutOfRange, SharedClock

__all__ = ["ClockRequestInvalid", "clock_state", "move_test_clock"]


class ClockRequestInvalid(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def move_test_clock(clock: Clock | SharedClock, body: Any) -> None:
    """Apply ``{"seconds": N}`` (N a non-zero integer, either way) or ``{"reset": true}``."""
    if not isinstance(body, dict) or not body:
        raise ClockRequestInvalid(
            "clock_body_invalid", 'a JSON object: {"seconds": N} or {"reset": true}'
        )
    unknown = sorted(set(body) - {"seconds", "reset"})
    if unknown or len(body) != 1:
        raise ClockRequestInvalid(
            "clock_body_invalid",
            'exactly one of "seconds" or "reset"'
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
        )
    if "reset" in body:
        if body["reset"] is not True:
            raise ClockRequestInvalid("reset_invalid", '"reset" must be true')
        _reset(clock)
        return
    seconds = body["seconds"]
    # bool is an int in Python: true must not mean one second.
    if (
        not isinstance(seconds, int)
        or isinstance(seconds, bool)
        or seconds == 0
        or abs(seconds) > MAX_OFFSET_SECONDS
    ):
        raise ClockRequestInvalid(
            "seconds_invalid",
            f"a non-zero integer from -{MAX_OFFSET_SECONDS} to {MAX_OFFSET_SECONDS} seconds",
        )
    try:
        _shift(clock, seconds)
    except ClockOutOfRange as exc:
        raise ClockRequestInvalid(exc.code, str(exc)) from None


def clock_state(clock: Clock | SharedClock) -> dict[str, Any]:
    return {"now": clock.now().isoformat(), "offset_seconds": _offset(clock)}


def _shift(clock: Clock | SharedClock, seconds: int) -> None:
    if isinstance(clock, SharedClock):
        clock.shift(seconds)
    elif isinstance(clock, FixedClock):
        clock.advance(timedelta(seconds=seconds))
    else:
        clock.offset += timedelta(seconds=seconds)


def _reset(clock: Clock | SharedClock) -> None:
    if isinstance(clock, SharedClock | FixedClock):
        clock.reset()
    else:
        clock.offset = timedelta(0)


def _offset(clock: Clock | SharedClock) -> int:
    if isinstance(clock, SharedClock):
        return clock.offset_seconds()
    if isinstance(clock, FixedClock):
        return int((clock.current - clock.start).total_seconds())
    return int(clock.offset.total_seconds())
