"""The app lock in a real window: the idle time (a touch starts it again), the choice in the
settings (saved, « Jamais »), the lock when the app is paused, a file picker that does not
outlive the lock, and a push sent while locked that shows only after the PIN.

The idle time runs on its own injected clock (``AppServices.idle_clock``); the app asks it on
its one-second tick, called here directly rather than waited for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kivy.core.window import Window
from kivy.uix.modalview import ModalView

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import FixedClock
from authenticator_app.presenters.preferences import Preferences, preferences_path
from tests.authenticator_app.fake_idp import FakeIdp
from tests.authenticator_app.gui.conftest import DESKTOP, NOW, PHONE, SIZES
from tests.authenticator_app.gui.test_accounts_gui import services, unlock
from tests.authenticator_app.gui.test_push_fake_gui import (  # noqa: F401 - fixtures
    clock,
    enrolled,
    idp,
    tap_number,
    wait_for_prompt,
)
from tests.authenticator_app.gui.test_push_fake_gui import start as start_watching
from tests.authenticator_app.gui.test_settings_gui import open_settings

pytestmark = pytest.mark.gui


def after_idle(gui: Any, idle: FixedClock, seconds: int) -> str:
    """The screen shown once the app's once-a-second tick has seen ``seconds`` more idle time."""
    idle.advance(seconds)
    gui.app._tick(0)
    gui.settle()
    return str(gui.current)


def start(gui_factory: Any, vault_file: Path, size: Any) -> tuple[Any, FixedClock]:
    idle = FixedClock(NOW)
    gui = gui_factory(services(vault_file, FixedClock(NOW), idle_clock=idle), size)
    unlock(gui)
    assert gui.current == "accounts"
    return gui, idle


@pytest.mark.parametrize("size", SIZES)
def test_the_idle_time_locks_and_a_touch_starts_it_again(
    vault_file: Path, gui_factory: Any, size: Any
) -> None:
    gui, idle = start(gui_factory, vault_file, size)
    assert after_idle(gui, idle, 59) == "accounts"
    gui.tap(gui.screen("accounts").row_views()[0])  # any touch: the idle time starts again
    gui.tap_id("back_button")
    assert after_idle(gui, idle, 59) == "accounts"
    assert after_idle(gui, idle, 1) == "lock"
    assert gui.app.vault is None  # the key is forgotten, not just hidden
    assert gui.screen("lock").title == "Entrez votre code PIN"
    after_idle(gui, idle, 3600)  # locked: nothing more happens
    unlock(gui)
    assert gui.current == "accounts"
    assert len(gui.screen().row_views()) == 2


@pytest.mark.parametrize("size", SIZES)
def test_the_idle_choice_is_saved_and_never_means_never(
    vault_file: Path, gui_factory: Any, size: Any
) -> None:
    gui, idle = start(gui_factory, vault_file, size)
    settings = open_settings(gui)
    assert gui.widget("idle_60").selected  # the default: 1 min
    texts = [gui.widget(f"idle_{s}").text for s in (30, 60, 300, 900, 0)]
    assert texts == ["30\u00a0s", "1\u00a0min", "5\u00a0min", "15\u00a0min", "Jamais"]
    for name in ("idle_30", "idle_0"):  # all five fit: the last one too, on a phone
        x, _y = gui.window_position(gui.widget(name))
        assert 0 < x < Window.size[0]
    gui.tap_id("idle_0")
    assert gui.widget("idle_0").selected
    assert not gui.widget("idle_60").selected
    assert settings.idle_choices[-1] == (0, "Jamais", True)
    assert Preferences.load(preferences_path(vault_file)).idle_lock_seconds == 0
    assert after_idle(gui, idle, 10**6) == "settings"

    gui.tap_id("idle_30")  # applied at once, counted from the choice
    assert after_idle(gui, idle, 29) == "settings"
    assert after_idle(gui, idle, 1) == "lock"
    assert Preferences.load(preferences_path(vault_file)).idle_lock_seconds == 30


def test_pausing_locks_and_closes_a_file_picker(vault_file: Path, gui_factory: Any) -> None:
    gui, _idle = start(gui_factory, vault_file, DESKTOP)
    open_settings(gui)
    gui.tap_id("import_accounts")
    gui.settle()
    gui.tap_id("browse")
    gui.wait(lambda: any(isinstance(c, ModalView) for c in Window.children), what="the file picker")
    assert gui.app.on_pause() is True  # Android keeps the app; it comes back locked
    gui.settle()
    assert gui.current == "lock"
    assert gui.app.vault is None
    assert not any(isinstance(c, ModalView) for c in Window.children)
    gui.app.on_resume()
    gui.settle()
    assert gui.current == "lock"
    unlock(gui)
    assert gui.current == "accounts"


def test_a_push_sent_while_locked_shows_after_the_pin(
    idp: FakeIdp,  # noqa: F811 - the fixture
    enrolled: Account,  # noqa: F811
    clock: FixedClock,  # noqa: F811
    tmp_path: Path,
    gui_factory: Any,
) -> None:
    idle = FixedClock(datetime(2026, 3, 14, tzinfo=UTC))
    gui, notified = start_watching(gui_factory, tmp_path, clock, PHONE, idle_clock=idle)
    assert after_idle(gui, idle, 60) == "lock"

    challenge = idp.create_challenge(number=57)
    gui.frames(30)
    assert gui.current == "lock"  # no prompt, no approval behind the lock
    assert notified == []
    assert challenge.status == "pending"

    unlock(gui)  # the watch starts again and catches up from pending
    push = wait_for_prompt(gui, challenge)
    assert push.challenge_id == challenge.id
    tap_number(gui, 57)
    gui.wait(lambda: challenge.status == "approved", what="the approval")
