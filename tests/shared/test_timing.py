"""The validity window, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.errors import MessageExpired, MessageNotYetValid
from shared.timing import (
    MAX_UNIX_TIME,
    check_validity_window,
    from_unix_time,
    require_aware,
    unix_time,
)

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
T = int(NOW.timestamp())


def test_unix_time_round_trip_in_any_offset() -> None:
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert unix_time(paris) == unix_time(NOW) == T
    assert from_unix_time(T) == NOW
    assert from_unix_time(MAX_UNIX_TIME).year == 9999


def test_unix_time_floors_fractions() -> None:
    assert unix_time(NOW + timedelta(milliseconds=999)) == T
    assert unix_time(NOW - timedelta(milliseconds=1)) == T - 1


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        require_aware(datetime(2026, 11, 24, 9, 30))


@pytest.mark.parametrize(
    ("iat", "exp", "nbf", "leeway", "error"),
    [
        (T, T + 60, None, 5, None),
        (T - 60, T - 5, None, 5, MessageExpired),
        (T - 60, T - 4, None, 5, None),
        (T - 60, T, None, 0, MessageExpired),
        (T + 5, T + 60, None, 5, None),
        (T + 6, T + 60, None, 5, MessageNotYetValid),
        (T, T + 60, T + 6, 5, MessageNotYetValid),
        (None, T + 1, None, 0, None),
    ],
)
def test_window(
    iat: int | None, exp: int, nbf: int | None, leeway: int, error: type[Exception] | None
) -> None:
    def run() -> None:
        check_validity_window(iat=iat, exp=exp, nbf=nbf, now=NOW, leeway=timedelta(seconds=leeway))

    if error is None:
        run()
    else:
        with pytest.raises(error):
            run()
