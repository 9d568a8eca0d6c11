from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from authenticator_app.core.clock import FixedClock
from authenticator_app.presenters.idle_lock import (
    DEFAULT_IDLE_SECONDS,
    IDLE_CHOICES,
    IdleLock,
    idle_label,
)
from authenticator_app.presenters.preferences import Preferences

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


def unlocked(seconds: int = 60) -> tuple[IdleLock, FixedClock]:
    clock = FixedClock(NOW)
    idle = IdleLock(seconds, clock)
    idle.unlocked()
    return idle, clock


def test_default_is_one_minute_and_never_is_a_choice() -> None:
    assert DEFAULT_IDLE_SECONDS == 60
    assert 0 in IDLE_CHOICES
    assert IdleLock().locked


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


def test_a_new_choice_counts_from_now() -> None:
    idle, clock = unlocked(300)
    clock.advance(200)
    idle.idle_seconds = 60  # shorter than the time already idle: not locked at once
    assert not idle.should_lock()
    clock.advance(60)
    assert idle.should_lock()


def test_labels() -> None:
    from authenticator_app.i18n import Translator

    fr, en = Translator("fr"), Translator("en")
    assert [idle_label(s, fr) for s in IDLE_CHOICES] == [
        "30\u00a0s",
        "1\u00a0min",
        "5\u00a0min",
        "15\u00a0min",
        "Jamais",
    ]
    assert idle_label(0, en) == "Never"
    assert idle_label(900, en) == "15\u00a0min"


def test_idle_setting_saved_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    prefs = Preferences.load(path)
    assert prefs.idle_lock_seconds == DEFAULT_IDLE_SECONDS
    prefs.idle_lock_seconds = 0
    prefs.save()
    assert Preferences.load(path).idle_lock_seconds == 0
    path.write_text('{"idle_lock_seconds": 7}', encoding="utf-8")
    assert Preferences.load(path).idle_lock_seconds == DEFAULT_IDLE_SECONDS
