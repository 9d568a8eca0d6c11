from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from authenticator_app.core.clock import FixedClock
from authenticator_app.presenters.idle_lock import DEFAULT_IDLE_SECONDS, IDLE_CHOICES, IdleLock
from authenticator_app.presenters.preferences import Preferences

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def unlocked(seconds: int = 60) -> tuple[IdleLock[str], FixedClock]:
    clock = FixedClock(NOW)
    idle: IdleLock[str] = IdleLock(seconds, clock)
    idle.unlocked()
    return idle, clock


def test_default_is_one_minute_and_never_is_a_choice() -> None:
    assert DEFAULT_IDLE_SECONDS == 60
    assert 0 in IDLE_CHOICES
    assert IdleLock[str]().locked


def test_idle_timeout_locks_once() -> None:
    idle, clock = unlocked(60)
    clock.advance(59)
    assert not idle.should_lock()
    clock.advance(1)
    assert idle.should_lock()
    assert idle.locked
    assert not idle.should_lock()


def test_activity_resets_the_idle_time() -> None:
    idle, clock = unlocked(60)
    clock.advance(50)
    idle.touched()
    clock.advance(50)
    assert not idle.should_lock()
    clock.advance(10)
    assert idle.should_lock()


def test_never_does_not_lock_on_idle() -> None:
    idle, clock = unlocked(0)
    clock.advance(10**6)
    assert not idle.should_lock()
    assert not idle.locked


def test_pause_locks() -> None:
    idle, _ = unlocked(0)
    assert idle.paused()
    assert idle.locked
    assert not idle.paused()


def test_push_while_locked_waits_for_the_pin() -> None:
    idle, clock = unlocked(30)
    assert not idle.hold_push("now")
    clock.advance(30)
    assert idle.should_lock()
    assert idle.hold_push("challenge")
    idle.unlocked()
    assert idle.take_held_push() == "challenge"
    assert idle.take_held_push() is None


def test_idle_setting_saved_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    prefs = Preferences.load(path)
    assert prefs.idle_lock_seconds == DEFAULT_IDLE_SECONDS
    prefs.idle_lock_seconds = 0
    prefs.save()
    assert Preferences.load(path).idle_lock_seconds == 0
    path.write_text('{"idle_lock_seconds": 7}', encoding="utf-8")
    assert Preferences.load(path).idle_lock_seconds == DEFAULT_IDLE_SECONDS
