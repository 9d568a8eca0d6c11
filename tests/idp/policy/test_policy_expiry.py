"""Maximum password age, with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from idp.policy import PasswordPolicy, expires_at, is_expired

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
NINETY_DAYS = PasswordPolicy(max_age_days=90)


def test_not_expired_before_the_deadline() -> None:
    changed = NOW - timedelta(days=89, hours=23)
    assert not is_expired(changed, NINETY_DAYS, now=NOW)


def test_expired_at_and_after_the_deadline() -> None:
    assert is_expired(NOW - timedelta(days=90), NINETY_DAYS, now=NOW)
    assert is_expired(NOW - timedelta(days=400), NINETY_DAYS, now=NOW)


def test_expires_at() -> None:
    assert expires_at(NOW, NINETY_DAYS) == NOW + timedelta(days=90)
    assert expires_at(NOW, PasswordPolicy()) is None


def test_no_max_age_never_expires() -> None:
    assert not is_expired(NOW - timedelta(days=10_000), PasswordPolicy(), now=NOW)
    assert not is_expired(None, PasswordPolicy(), now=NOW)


def test_unknown_change_date_counts_as_expired() -> None:
    assert is_expired(None, NINETY_DAYS, now=NOW)


def test_other_time_zones_compare_correctly() -> None:
    paris = NOW.astimezone(datetime.fromisoformat("2026-01-01T00:00:00+01:00").tzinfo)
    assert is_expired(paris - timedelta(days=90), NINETY_DAYS, now=NOW)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_expired(NOW.replace(tzinfo=None), NINETY_DAYS, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        is_expired(NOW, NINETY_DAYS, now=NOW.replace(tzinfo=None))


def test_fixture_clock_of_the_suite(fixed_now: datetime) -> None:
    assert is_expired(fixed_now - timedelta(days=91), NINETY_DAYS, now=fixed_now)
