"""Screens asked for in quick succession (a push prompt arriving while the previous one slides
away) end with the asked-for screen on the window, and its buttons take touches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.clock import FixedClock
from tests.authenticator_app.gui.conftest import NOW, SIZES
from tests.authenticator_app.gui.test_accounts_gui import services, unlock

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("size", SIZES)
def test_a_screen_asked_for_during_a_slide_stays_on_the_window(
    vault_file: Path, gui_factory: Any, size: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gui = gui_factory(services(vault_file, FixedClock(NOW)), size)
    unlock(gui)
    root = gui.app.root_widget
    # Slides long enough that a loaded machine's slow frames cannot end one before the next
    # request (the regression needs a slide still running).
    monkeypatch.setattr("authenticator_app.screens.root.TRANSITION_SECONDS", 3.0)
    root.go("settings")
    gui.frames(2)
    assert root.manager.transition.is_active
    root.go("accounts", forward=False)  # back, before the first slide ended
    gui.frames(2)
    root.go("settings")  # and forth again
    gui.settle()
    assert gui.current == "settings"
    english = gui.widget("lang_en")
    assert english.get_root_window() is not None
    gui.tap(english)
    assert gui.app.translator.language == "en"
