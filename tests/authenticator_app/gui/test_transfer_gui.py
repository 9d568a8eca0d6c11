"""Import and export from the settings with real touches and typing, at phone and desktop
sizes: an Aegis file and an encrypted backup imported (the backup's password asked for, a wrong
one explained on screen and changing nothing), the accounts then listed; a backup exported (push
accounts counted out) and imported into a fresh vault through a second app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.transfer import export_backup
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.core.test_transfer import aegis_db
from tests.authenticator_app.factories import RFC_SECRET, totp_account
from tests.authenticator_app.gui.conftest import NOW, SIZES
from tests.authenticator_app.gui.test_accounts_gui import services, unlock
from tests.authenticator_app.gui.test_settings_gui import open_settings

pytestmark = pytest.mark.gui

BACKUP_PASSWORD = "correct horse"


def listed(gui: Any) -> list[str]:
    """The accounts screen's rows, as « issuer:name »."""
    rows = gui.screen("accounts").row_views()
    return sorted(f"{r.issuer}:{r.name}" if r.issuer else r.name for r in rows)


def open_transfer(gui: Any, button: str, route: str) -> None:
    open_settings(gui)
    gui.tap_id(button)
    gui.settle()
    assert gui.current == route


def type_field(gui: Any, widget_id: str, text: str) -> None:
    field = gui.widget(widget_id)
    field.text = ""
    gui.type_into(field, text)
    assert field.text == text


def labels(path: Path) -> list[str]:
    return sorted(a.label for a in Vault.open(path, PIN).accounts)


@pytest.mark.parametrize("size", SIZES)
def test_import_an_aegis_file_and_a_backup(
    vault_file: Path, gui_factory: Any, size: Any, tmp_path: Path
) -> None:
    aegis = tmp_path / "aegis.json"
    aegis.write_text(
        json.dumps({"version": 1, "header": {"slots": None, "params": None}, "db": aegis_db()})
    )
    dave = totp_account(NOW, account_id="acct_dave", name="dave").with_otp(
        OtpParameters(type="totp", secret=RFC_SECRET[::-1])
    )
    backup = tmp_path / "backup.json"
    backup.write_bytes(export_backup([dave], BACKUP_PASSWORD, kdf=FAST_KDF).data)

    gui = gui_factory(services(vault_file, FixedClock(NOW)), size)
    unlock(gui)
    before = listed(gui)
    assert len(before) == 2
    assert "Example:bob" in before  # also in the Aegis file: a duplicate
    open_transfer(gui, "import_accounts", "import")
    assert gui.shows("Importer des comptes")

    # Aegis, plain: no password asked; what was skipped, and why, is said.
    type_field(gui, "source", str(aegis))
    gui.tap_id("import_button")
    gui.settle()
    assert gui.shows("Comptes importés : 1. Ignorés : 2.")
    assert gui.screen().added_text == "carol"
    assert gui.screen().skipped_text == (
        "Steam:gabe : type non pris en charge\nExample:bob : déjà présent"
    )
    gui.bring_into_view(gui.widget("skipped"))
    assert gui.shows(gui.screen().skipped_text)
    assert not gui.shows("Mot de passe du fichier")

    # The backup: its password is asked for, a wrong one changes nothing.
    type_field(gui, "source", str(backup))
    gui.tap_id("import_button")
    gui.settle()
    assert gui.screen().error_code == "import_password_needed"
    assert gui.shows("Fichier chiffré")
    assert gui.widget("password").get_root_window() is not None
    vault_bytes = vault_file.read_bytes()
    type_field(gui, "password", "not the password")
    gui.tap_id("import_button")
    gui.settle()
    assert gui.screen().error_code == "import_password_wrong"
    assert gui.shows("Mot de passe incorrect")
    assert gui.shows("Mot de passe incorrect pour cet export ou cette sauvegarde.")
    assert vault_file.read_bytes() == vault_bytes
    assert gui.widget("password").text == ""
    type_field(gui, "password", BACKUP_PASSWORD)
    gui.tap_id("import_button")
    gui.settle()
    assert gui.screen().error_code == ""
    assert gui.shows("Comptes importés : 1. Ignorés : 0.")

    # Back on the list: the imported accounts are there, and in the vault.
    gui.tap_id("back_button")
    gui.settle()
    gui.tap_id("back_button")
    gui.settle()
    assert gui.current == "accounts"
    expected = sorted([*before, "carol", "Example:dave"])
    assert listed(gui) == expected
    assert len(labels(vault_file)) == len(expected)


@pytest.mark.parametrize("size", SIZES)
def test_export_a_backup_then_import_it_into_a_fresh_vault(
    vault_file: Path, gui_factory: Any, size: Any, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    gui = gui_factory(services(vault_file, FixedClock(NOW), export_directory=exports), size)
    unlock(gui)
    open_transfer(gui, "export_accounts", "export")
    assert gui.shows("Comptes à exporter (codes à usage unique) : 1.")
    assert gui.shows(gui.screen().push_note)
    assert gui.screen().push_note.startswith("Comptes push laissés de côté : 1.")

    # Aegis warns that it is not encrypted; the backup asks for its password twice.
    gui.tap_id("format_aegis")
    gui.settle()
    assert gui.widget("aegis_warning").get_root_window() is not None
    assert gui.widget("password").get_root_window() is None
    gui.tap_id("format_backup")
    gui.settle()
    target = exports / f"authenticator-backup-{NOW:%Y%m%d}.json"
    assert gui.widget("path").text == str(target)
    type_field(gui, "password", BACKUP_PASSWORD)
    type_field(gui, "repeat", "something else")
    gui.tap_id("export_button")
    gui.settle()
    assert gui.screen().error_code == "backup_password_mismatch"
    assert not target.exists()
    type_field(gui, "password", BACKUP_PASSWORD)
    type_field(gui, "repeat", BACKUP_PASSWORD)
    gui.tap_id("export_button")
    gui.settle()
    assert gui.screen().error_code == ""
    assert gui.screen().result.startswith(f"Comptes exportés : 1, dans {target}.")
    assert "Comptes push non exportés : 1" in gui.screen().result
    assert target.stat().st_mode & 0o777 == 0o600
    gui.close()

    # A fresh vault, in a second app: import the backup with its password.
    fresh = tmp_path / "fresh.bin"
    Vault.create(fresh, PIN, kdf=FAST_KDF)
    gui = gui_factory(services(fresh, FixedClock(NOW)), size)
    unlock(gui)
    assert listed(gui) == []
    open_transfer(gui, "import_accounts", "import")
    type_field(gui, "source", str(target))
    gui.tap_id("import_button")
    gui.settle()
    assert gui.screen().error_code == "import_password_needed"
    type_field(gui, "password", BACKUP_PASSWORD)
    gui.tap_id("import_button")
    gui.settle()
    assert gui.shows("Comptes importés : 1. Ignorés : 0.")
    assert labels(fresh) == ["Example:bob"]
    gui.tap_id("back_button")
    gui.settle()
    gui.tap_id("back_button")
    gui.settle()
    assert listed(gui) == ["Example:bob"]
