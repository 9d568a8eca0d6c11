from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from authenticator_app.core.clock import FixedClock, system_clock, system_random


def test_fixed_clock(fixed_now: datetime) -> None:
    clock = FixedClock(fixed_now)
    assert clock() == fixed_now
    assert clock.advance(1.5) == fixed_now + timedelta(seconds=1.5)
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 1, 1))


def test_system_sources() -> None:
    assert system_clock().tzinfo is not None
    assert len(system_random(16)) == 16
