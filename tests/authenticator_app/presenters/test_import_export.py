"""Import and export presenters without Kivy: a file or a pasted URI imported (a password asked
only for an encrypted file, a wrong one changing nothing), duplicates and unsupported entries
reported, errors by code; export in both formats, its password rules, push accounts left out
and counted, an existing file kept unless replacing is asked for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.export_accounts import ExportPresenter
from authenticator_app.presenters.import_accounts import ImportPresenter
from authenticator_app.presenters.runner import ImmediateRunner
from tests.authenticator_app.conftest import FAST_KDF
from tests.authenticator_app.core.test_transfer import (
    VECTOR_HEX,
    aegis_db,
    aegis_encrypted,
    held_accounts,
    migration_uri,
)
from tests.authenticator_app.factories import RFC_SECRET, push_account, totp_account
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView, QueuedRunner

BACKUP_PASSWORD = "long enough"


@dataclass
class Screen:
    presenter: Any
    view: FakeView
    nav: FakeNavigator
    imported: list[bool] = field(default_factory=list)


def make_import(vault: Vault, fixed_now: datetime, runner: Any = None) -> Screen:
    view, nav = FakeView(), FakeNavigator()
    imported: list[bool] = []
    presenter = ImportPresenter(
        view,
        vault=vault,
        navigator=nav,
        translator=Translator("fr"),
        runner=runner or ImmediateRunner(),
        on_imported=lambda: imported.append(True),
        clock=FixedClock(fixed_now),
    )
    presenter.start()
    return Screen(presenter, view, nav, imported)


def make_export(vault: Vault, fixed_now: datetime, directory: Path) -> Screen:
    view, nav = FakeView(), FakeNavigator()
    presenter = ExportPresenter(
        view,
        vault=vault,
        navigator=nav,
        translator=Translator("fr"),
        runner=ImmediateRunner(),
        directory=directory,
        kdf=FAST_KDF,
        clock=FixedClock(fixed_now),
    )
    presenter.start()
    return Screen(presenter, view, nav)


def labels(vault: Vault) -> list[str]:
    return [a.label for a in vault.accounts]


def test_import_an_aegis_file_reports_what_was_skipped(
    vault: Vault, fixed_now: datetime, tmp_path: Path
) -> None:
    source = tmp_path / "aegis.json"
    document = {"version": 1, "header": {"slots": None, "params": None}, "db": aegis_db()}
    source.write_text(json.dumps(document))
    screen = make_import(vault, fixed_now)
    screen.presenter.submit(f"  {source}  ", "")
    model = screen.view.model
    assert model.error is None
    assert model.added == ("Example:bob", "carol")
    assert model.skipped == ("Steam:gabe : type non pris en charge",)
    assert model.summary == "Comptes importés : 2. Ignorés : 1."
    assert labels(vault) == ["Example:bob", "carol"]
    assert screen.imported == [True]
    assert screen.nav.notices == ["Comptes importés : 2. Ignorés : 1."]

    screen.presenter.submit(str(source), "")  # again: all duplicates, nothing written
    assert screen.view.model.added == ()
    assert screen.view.model.skipped == (
        "Steam:gabe : type non pris en charge",
        "Example:bob : déjà présent",
        "carol : déjà présent",
    )
    assert labels(vault) == ["Example:bob", "carol"]
    assert screen.imported == [True]


def test_an_encrypted_file_asks_for_its_password_and_a_wrong_one_changes_nothing(
    vault: Vault, fixed_now: datetime, tmp_path: Path
) -> None:
    source = tmp_path / "aegis-encrypted.json"
    source.write_bytes(aegis_encrypted(aegis_db(), "correct horse"))
    screen = make_import(vault, fixed_now)
    assert not screen.view.model.needs_password

    screen.presenter.submit(str(source), "")
    model = screen.view.model
    assert model.needs_password
    assert (model.error.code, model.error.title) == ("import_password_needed", "Fichier chiffré")
    assert model.error.text == "Ce fichier est chiffré : saisissez son mot de passe."

    before = vault.path.read_bytes()
    screen.presenter.submit(str(source), "wrong")
    model = screen.view.model
    assert model.needs_password
    assert (model.error.code, model.error.title) == (
        "import_password_wrong",
        "Mot de passe incorrect",
    )
    assert vault.path.read_bytes() == before
    assert labels(vault) == []
    assert "clear_password" in screen.view.calls

    screen.presenter.submit(str(source), "correct horse")
    assert screen.view.model.error is None
    assert labels(vault) == ["Example:bob", "carol"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not an export", "import_malformed"),
        (b'{"version": 1, "header": {"slots": null', "import_malformed"),  # truncated
        (b'{"version": 2, "header": {"slots": null}, "db": {}}', "import_version_unsupported"),
        (b'{"format": "authenticator-backup", "version": 9}', "import_version_unsupported"),
    ],
)
def test_import_errors_change_nothing(
    vault: Vault, fixed_now: datetime, tmp_path: Path, content: bytes, code: str
) -> None:
    vault.add_account(totp_account(fixed_now))
    before = vault.path.read_bytes()
    source = tmp_path / "bad.json"
    source.write_bytes(content)
    screen = make_import(vault, fixed_now)
    screen.presenter.submit(str(source), "")
    assert screen.view.model.error.code == code
    assert screen.view.model.added == ()
    assert vault.path.read_bytes() == before
    assert screen.imported == []


def test_missing_source_and_missing_file(vault: Vault, fixed_now: datetime, tmp_path: Path) -> None:
    screen = make_import(vault, fixed_now)
    screen.presenter.submit("  ", "")
    assert screen.view.model.error.code == "import_source_missing"
    screen.presenter.submit(str(tmp_path / "nowhere.json"), "")
    assert screen.view.model.error.code == "import_unreadable"
    assert screen.view.model.error.text == "Impossible de lire le fichier à importer."


def test_a_pasted_uri_is_imported_and_work_runs_on_the_runner(
    vault: Vault, fixed_now: datetime
) -> None:
    runner = QueuedRunner()
    screen = make_import(vault, fixed_now, runner)
    screen.presenter.submit(f"otpauth://totp/Example:alice?secret={RFC_SECRET}&issuer=Example", "")
    assert screen.view.model.busy
    assert labels(vault) == []
    screen.presenter.submit("otpauth://totp/x?secret=" + RFC_SECRET, "")  # ignored while busy
    assert len(runner.queue) == 1
    runner.run_all()
    assert not screen.view.model.busy
    assert labels(vault) == ["Example:alice"]


def test_a_pasted_google_migration_uri_is_imported(vault: Vault, fixed_now: datetime) -> None:
    screen = make_import(vault, fixed_now)
    screen.presenter.submit(migration_uri(bytes.fromhex(VECTOR_HEX)), "")
    assert screen.view.model.error is None
    assert labels(vault) == ["Example:bob"]
    truncated = migration_uri(bytes.fromhex(VECTOR_HEX)[:-20])
    screen.presenter.submit(truncated, "")
    assert screen.view.model.error.code == "import_malformed"
    assert labels(vault) == ["Example:bob"]


def test_export_backup_leaves_push_out_and_round_trips(
    vault: Vault, fixed_now: datetime, tmp_path: Path, realm: Any
) -> None:
    for account in (*held_accounts(fixed_now), push_account(realm, fixed_now)):
        vault.add_account(account)
    exports = tmp_path / "exports"
    exports.mkdir()
    screen = make_export(vault, fixed_now, exports)
    model = screen.view.model
    assert (model.format, model.otp_count, model.push_count) == ("backup", 2, 1)
    assert model.path == str(exports / f"authenticator-backup-{fixed_now:%Y%m%d}.json")
    assert model.push_note.startswith("Comptes push laissés de côté : 1.")

    presenter = screen.presenter
    presenter.submit(model.path, "short", "short", overwrite=False)
    assert screen.view.model.error.code == "backup_password_too_short"
    presenter.submit(model.path, BACKUP_PASSWORD, "different!", overwrite=False)
    assert screen.view.model.error.code == "backup_password_mismatch"
    presenter.submit(model.path, "", "", overwrite=False)
    assert screen.view.model.error.code == "backup_password_missing"
    assert screen.view.model.error.text == "Saisissez un mot de passe pour la sauvegarde."
    presenter.submit("", BACKUP_PASSWORD, BACKUP_PASSWORD, overwrite=False)
    assert screen.view.model.error.code == "export_path_missing"
    assert list(exports.iterdir()) == []

    presenter.submit(model.path, BACKUP_PASSWORD, BACKUP_PASSWORD, overwrite=False)
    done = screen.view.model
    assert done.error is None
    assert "Comptes exportés : 2" in done.result
    assert "Comptes push non exportés : 1" in done.result
    written = Path(model.path)
    assert written.stat().st_mode & 0o777 == 0o600

    fresh = Vault.create(tmp_path / "fresh.bin", "246810", kdf=FAST_KDF)
    importer = make_import(fresh, fixed_now)
    importer.presenter.submit(str(written), BACKUP_PASSWORD)
    assert labels(fresh) == ["Example:bob", "Example:carol"]


def test_export_keeps_an_existing_file_unless_replacing(
    vault: Vault, fixed_now: datetime, tmp_path: Path
) -> None:
    vault.add_account(totp_account(fixed_now))
    target = tmp_path / "out.json"
    target.write_text("precious")
    screen = make_export(vault, fixed_now, tmp_path)
    presenter = screen.presenter
    presenter.set_format("aegis", screen.view.model.path)
    assert screen.view.model.path.endswith(f"authenticator-aegis-{fixed_now:%Y%m%d}.json")
    presenter.submit(str(target), "", "", overwrite=False)
    assert screen.view.model.error.code == "export_exists"
    assert target.read_text() == "precious"
    presenter.submit(str(target), "", "", overwrite=True)
    assert screen.view.model.error is None
    document = json.loads(target.read_text())
    assert [e["name"] for e in document["db"]["entries"]] == ["bob"]
    presenter.submit(str(tmp_path / "missing" / "out.json"), "", "", overwrite=True)
    assert screen.view.model.error.code == "export_write_failed"


def test_a_typed_path_survives_a_format_change(
    vault: Vault, fixed_now: datetime, tmp_path: Path
) -> None:
    screen = make_export(vault, fixed_now, tmp_path)
    screen.presenter.set_format("aegis", "/somewhere/mine.json")
    assert screen.view.model.path == "/somewhere/mine.json"


def test_a_relative_path_goes_to_the_export_directory(
    vault: Vault, fixed_now: datetime, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    screen = make_export(vault, fixed_now, exports)
    screen.presenter.set_format("aegis", "")
    screen.presenter.submit("mine.json", "", "", overwrite=False)
    assert screen.view.model.error is None
    assert (exports / "mine.json").exists()
    assert screen.view.calls.count("clear_overwrite") == 2  # on start and after the export


def test_settings_open_the_import_and_export_screens(vault: Vault) -> None:
    from tests.authenticator_app.presenters.test_settings import make_settings

    settings = make_settings(vault)
    settings.presenter.open_import()
    settings.presenter.open_export()
    assert settings.nav.routes == [("import", None), ("export", None)]


def test_results_and_errors_follow_a_language_switch(
    vault: Vault, fixed_now: datetime, tmp_path: Path
) -> None:
    source = tmp_path / "aegis.json"
    document = {"version": 1, "header": {"slots": None, "params": None}, "db": aegis_db()}
    source.write_text(json.dumps(document))
    screen = make_import(vault, fixed_now)
    screen.presenter.submit(str(source), "")
    screen.presenter._.set_language("en")
    screen.presenter.refresh()
    assert screen.view.model.summary == "Accounts imported: 2. Skipped: 1."
    assert screen.view.model.skipped == ("Steam:gabe: unsupported type",)

    exporter = make_export(vault, fixed_now, tmp_path)
    exporter.presenter.submit("", "", "", overwrite=False)
    exporter.presenter._.set_language("en")
    exporter.presenter.refresh()
    assert exporter.view.model.error.text == "Choose where to write the export file."
    assert exporter.view.model.count_text == "Accounts to export (one-time codes): 2."
