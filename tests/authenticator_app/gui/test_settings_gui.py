"""Settings with real touches, at phone and desktop sizes: English switched live (the settings
screen at once, the accounts screen after going back) and back to Français; the PIN changed
(a wrong current PIN and a mismatch explained on screen), after which the vault opens with the
new PIN only; "about" shows the app and protocol versions."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from kivy.uix.scrollview import ScrollView

from authenticator_app import __version__
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.errors import VaultPinWrong
from authenticator_app.core.vault import Vault
from authenticator_app.presenters.preferences import Preferences, preferences_path
from shared.version import PROTOCOL_VERSION
from tests.authenticator_app.conftest import PIN
from tests.authenticator_app.gui.conftest import NOW, SIZES
from tests.authenticator_app.gui.test_accounts_gui import row, services, unlock

pytestmark = pytest.mark.gui

NEW_PIN = "975313"


def open_settings(gui: Any) -> Any:
    assert gui.current == "accounts"
    gui.tap_id("settings_button")
    gui.settle()
    assert gui.current == "settings"
    return gui.screen()


def go_back(gui: Any) -> None:
    gui.tap_id("back_button")
    gui.settle()
    assert gui.current == "accounts"


def about(gui: Any) -> dict[str, str]:
    return {line.label: line.value for line in reversed(gui.widget("about", "settings").children)}


def scroll_to_top(gui: Any) -> None:
    """The settings page is taller than a desktop window: back to its first card."""
    scroll = gui.widget("lang_en").parent
    while not isinstance(scroll, ScrollView):
        scroll = scroll.parent
    scroll.scroll_y = 1
    gui.frames(3)


def saved_language(vault_file: Path) -> str:
    return Preferences.load(preferences_path(vault_file)).language


@pytest.mark.parametrize("size", SIZES)
def test_switch_language_live_and_see_about(vault_file: Path, gui_factory: Any, size: Any) -> None:
    gui = gui_factory(services(vault_file, FixedClock(NOW)), size)
    unlock(gui)
    assert row(gui, "acct_push_only").caption == "Notifications push uniquement"
    assert gui.widget("search").hint_text == "Rechercher un compte"

    settings = open_settings(gui)
    for text in ("Paramètres", "Langue", "Changer le code PIN", "Verrouiller maintenant"):
        assert gui.shows(text), text
    assert gui.widget("lang_fr").selected
    assert not gui.widget("lang_en").selected
    assert gui.widget("current_pin").hint_text == "Code PIN actuel"

    # About: the versions, with their labels, on screen.
    assert about(gui) == {
        "Version de l’application": __version__,
        "Version du protocole": str(PROTOCOL_VERSION),
        "Coffre-fort": str(vault_file),
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)
    assert PROTOCOL_VERSION >= 1
    gui.bring_into_view(gui.widget("about"))
    assert gui.shows(__version__)
    assert gui.shows("Version du protocole")

    # English, live: this screen changes at once.
    gui.tap_id("lang_en")
    gui.settle()
    scroll_to_top(gui)
    assert gui.current == "settings"
    assert gui.widget("lang_en").selected
    assert not gui.widget("lang_fr").selected
    for text in ("Settings", "Language", "Change the PIN", "Lock now"):
        assert gui.shows(text), text
    assert not gui.shows("Paramètres")
    assert gui.widget("current_pin").hint_text == "Current PIN"
    assert about(gui) == {
        "App version": __version__,
        "Protocol version": str(PROTOCOL_VERSION),
        "Vault": str(vault_file),
    }
    assert saved_language(vault_file) == "en"

    # ... and the accounts screen, after going back.
    go_back(gui)
    assert row(gui, "acct_push_only").caption == "Push notifications only"
    assert gui.shows("Push notifications only", row(gui, "acct_push_only"))
    assert gui.widget("search").hint_text == "Search accounts"

    # Back to Français.
    open_settings(gui)
    assert gui.shows("Settings")
    gui.tap_id("lang_fr")
    gui.settle()
    assert gui.shows("Paramètres")
    assert gui.shows("Changer le code PIN")
    assert not gui.shows("Settings")
    assert gui.widget("lang_fr").selected
    assert saved_language(vault_file) == "fr"
    assert settings.presenter is gui.app.presenters["settings"]
    go_back(gui)
    assert gui.shows("Notifications push uniquement", row(gui, "acct_push_only"))
    assert gui.widget("search").hint_text == "Rechercher un compte"


def change_pin(gui: Any, current: str, new: str, repeat: str) -> None:
    for field_id, text in (("current_pin", current), ("new_pin", new), ("repeat_pin", repeat)):
        gui.type_into(gui.widget(field_id), text)
        assert gui.widget(field_id).text == text
    gui.tap_id("change_pin")
    gui.settle()


@pytest.mark.parametrize("size", SIZES)
def test_change_the_pin(vault_file: Path, gui_factory: Any, size: Any) -> None:
    clock = FixedClock(NOW)
    gui = gui_factory(services(vault_file, clock), size)
    unlock(gui)
    settings = open_settings(gui)
    sealed = vault_file.read_bytes()

    change_pin(gui, "0000", NEW_PIN, NEW_PIN)  # wrong current PIN
    assert settings.error_code == "vault_pin_wrong"
    assert gui.shows("Code PIN incorrect.")
    assert gui.shows("Problème de coffre-fort")
    assert [gui.widget(f).text for f in ("current_pin", "new_pin", "repeat_pin")] == ["", "", ""]
    assert vault_file.read_bytes() == sealed

    change_pin(gui, PIN, NEW_PIN, "975310")  # the new PIN twice, differently
    assert settings.error_code == "pin_mismatch"
    assert gui.shows("Les deux codes PIN sont différents.")
    assert vault_file.read_bytes() == sealed

    change_pin(gui, PIN, NEW_PIN, NEW_PIN)  # right, but within the wait of the wrong one
    assert settings.error_code == "pin_wait"
    assert vault_file.read_bytes() == sealed
    clock.advance(1)

    change_pin(gui, PIN, NEW_PIN, NEW_PIN)
    assert settings.error_code == ""
    assert not gui.shows("Les deux codes PIN sont différents.")
    assert gui.app.root_widget.snackbar.text == "Code PIN modifié."
    assert gui.current == "settings"
    assert [a.id for a in Vault.open(vault_file, NEW_PIN).accounts] == [
        "acct_totp_1",
        "acct_push_only",
    ]
    with pytest.raises(VaultPinWrong):
        Vault.open(vault_file, PIN)

    # Lock now, and the keypad opens it with the new PIN.
    gui.tap_id("lock_now")
    gui.settle()
    assert gui.current == "lock"
    assert gui.screen().title == "Entrez votre code PIN"
    gui.enter_pin(NEW_PIN)
    assert gui.current == "accounts"
    assert {r.account_id for r in gui.screen().row_views()} == {"acct_totp_1", "acct_push_only"}
