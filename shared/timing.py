"""Time rules shared by every message: an injected clock, integer seconds, a small leeway.

Nobody here reads the wall clock: callers pass ``now`` (a timezone-aware datetime), tests pass a
fixed one. Timestamps on the wire are integer Unix seconds (``iat``, ``exp``, ``nbf``).

A message is acceptable at ``now`` when, with ``leeway`` applied in the receiver's favour of
clock skew::

    iat - leeway <= now        (else message_not_yet_valid)
    nbf - leeway <= now        (if the message has nbf)
    now < exp + leeway         (else message_expired)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from shared.errors import MessageExpired, MessageNotYetValid

__all__ = [
    "DEFAULT_LEEWAY",
    "MAX_UNIX_TIME",
    "check_validity_window",
    "from_unix_time",
    "require_aware",
    "unix_time",
]

DEFAULT_LEEWAY: Final = timedelta(seconds=5)
# 9999-12-31T23:59:59Z: the last second a datetime can represent.
MAX_UNIX_TIME: Final = 253_402_300_799


def require_aware(now: datetime) -> datetime:
    """Return ``now`` if it is timezone-aware; a naive clock is a programming error."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


def unix_time(now: datetime) -> int:
    """Integer Unix seconds (floored) of an aware datetime."""
    return int(require_aware(now).timestamp() // 1)


def from_unix_time(seconds: int) -> datetime:
    """The aware UTC datetime of integer Unix seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def check_validity_window(
    *,
    iat: int | None,
    exp: int,
    nbf: int | None = None,
    now: datetime,
    leeway: timedelta = DEFAULT_LEEWAY,
) -> None:
    """Raise :class:`MessageExpired` / :class:`MessageNotYetValid` per the module rules."""
    if leeway < timedelta(0):
        raise ValueError("leeway must not be negative")
    current = require_aware(now).timestamp()
    slack = leeway.total_seconds()
    if current >= exp + slack:
        raise MessageExpired(f"expired at {from_unix_time(exp).isoformat()}")
    if iat is not None and iat - slack > current:
        raise MessageNotYetValid(f"issued in the future ({from_unix_time(iat).isoformat()})")
    if nbf is not None and nbf - slack > current:
        raise MessageNotYetValid(f"not valid before {from_unix_time(nbf).isoformat()}")
