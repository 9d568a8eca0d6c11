"""First run (no vault file): choose a PIN on the keypad, confirm it (a different confirmation
is explained on screen and starts over), land on the accounts screen; the vault file then
opens with that PIN. Real touches, at phone and desktop sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.errors import VaultPinWrong
from authenticator_app.core.vault import Vault
from tests.authenticator_app.gui.conftest import NOW, SIZES
from tests.authenticator_app.gui.test_accounts_gui import services

pytestmark = pytest.mark.gui

CHOSEN = "482613"


@pytest.mark.parametrize("size", SIZES)
def test_first_run_chooses_and_confirms_a_pin(tmp_path: Path, gui_factory: Any, size: Any) -> None:
    vault_path = tmp_path / "vault.bin"
    gui = gui_factory(services(vault_path, FixedClock(NOW)), size)
    gui.settle()
    lock = gui.screen("lock")
    assert not vault_path.exists()
    assert lock.title == "Choisissez un code PIN"
    assert gui.shows("Choisissez un code PIN")
    assert gui.shows("6 chiffres ou plus. Il protège vos comptes sur cet appareil.")

    gui.enter_pin("48261")  # too short
    assert lock.error_code == "pin_too_short"
    assert gui.shows("Un nouveau code PIN compte au moins 6 chiffres.")
    assert lock.title == "Choisissez un code PIN"

    gui.enter_pin(CHOSEN)
    assert lock.title == "Confirmez le code PIN"
    assert gui.shows("Saisissez le même code PIN une 2e fois.")
    assert lock.error_text == ""
    assert gui.widget("pin").text == ""  # the field is empty for the confirmation

    gui.enter_pin("482614")  # not the same: explained, and back to choosing
    assert lock.error_code == "pin_mismatch"
    assert lock.error_title == "Vérifiez votre saisie"
    assert gui.shows("Les deux codes PIN sont différents.")
    # The code is for support: under « Détails », collapsed (it used to show as "[pin_mismatch]").
    assert not [t for t in gui.texts() if "pin_mismatch" in t]
    assert gui.shows("Détails ›")
    assert lock.title == "Choisissez un code PIN"
    assert gui.current == "lock"
    assert not vault_path.exists()

    gui.enter_pin(CHOSEN)
    assert lock.title == "Confirmez le code PIN"
    gui.enter_pin(CHOSEN)
    assert gui.current == "accounts"
    accounts = gui.screen()
    assert accounts.total == 0
    assert accounts.empty_text.startswith("Aucun compte pour l’instant.")
    assert gui.shows("Ajouter un compte")

    assert vault_path.is_file()
    assert Vault.open(vault_path, CHOSEN).accounts == ()
    with pytest.raises(VaultPinWrong):
        Vault.open(vault_path, "4827")
