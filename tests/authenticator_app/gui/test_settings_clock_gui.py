"""The test-mode clock offset in Settings, with real touches: absent outside test mode; in test
mode a bad value is explained on screen and a good one moves the clock every presenter shares."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.clock import FixedClock
from tests.authenticator_app.gui.conftest import NOW, PHONE
from tests.authenticator_app.gui.test_accounts_gui import services, unlock
from tests.authenticator_app.gui.test_settings_gui import go_back, open_settings

pytestmark = pytest.mark.gui


def test_absent_outside_test_mode(vault_file: Path, gui_factory: Any) -> None:
    gui = gui_factory(services(vault_file, FixedClock(NOW)), PHONE)
    unlock(gui)
    open_settings(gui)
    assert not gui.shows("Mode test : décalage de l’horloge")


def test_set_the_offset_in_test_mode(vault_file: Path, gui_factory: Any) -> None:
    clock = FixedClock(NOW)
    gui = gui_factory(services(vault_file, clock, test_mode=True), PHONE)
    unlock(gui)
    settings = open_settings(gui)
    assert gui.shows("Mode test : décalage de l’horloge")
    gui.type_into(gui.widget("clock_offset"), "demain")
    gui.tap_id("apply_clock_offset")
    gui.settle()
    assert gui.widget("clock_error").code == "clock_offset_invalid"
    assert gui.shows(
        "Le décalage de l’horloge est un nombre entier de secondes, 400 jours au plus."
    )
    gui.type_into(gui.widget("clock_offset"), "3600")
    gui.tap_id("apply_clock_offset")
    gui.settle()
    assert gui.widget("clock_error").code == ""
    assert (gui.app.clock() - clock()).total_seconds() == 3600
    assert gui.app.root_widget.snackbar.text == "Décalage de l’horloge : 3600 s."
    directory = os.environ.get("APP_SCREENSHOT_DIR")
    if directory:
        gui.screenshot(Path(directory) / "settings-clock-offset.png")
    assert settings.presenter is gui.app.presenters["settings"]
    go_back(gui)
