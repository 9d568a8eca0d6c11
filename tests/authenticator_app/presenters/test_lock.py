from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.lock import LockPresenter, retry_delay
from authenticator_app.presenters.preferences import Preferences
from authenticator_app.presenters.runner import ImmediateRunner
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.presenters.conftest import FakeView, QueuedRunner

NOW = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)


class Lock:
    def __init__(
        self, path: Path, *, runner: ImmediateRunner | None = None, now: datetime = NOW
    ) -> None:
        self.view = FakeView()
        self.opened: list[Vault] = []
        self.clock = FixedClock(now)
        self.prefs = Preferences.load(path.with_name("settings.json"))
        self.translator = Translator("fr")
        self.presenter = LockPresenter(
            self.view,
            vault_path=path,
            runner=runner or ImmediateRunner(),
            translator=self.translator,
            preferences=self.prefs,
            on_unlocked=self.opened.append,
            clock=self.clock,
            kdf=FAST_KDF,
        )
        self.presenter.start()


def test_retry_delay_grows() -> None:
    assert [retry_delay(n) for n in range(6)] == [0, 1, 2, 4, 8, 16]
    assert retry_delay(40) == 15 * 60


def test_first_run_chooses_and_confirms_a_pin(vault_path: Path) -> None:
    lock = Lock(vault_path)
    assert lock.view.model.mode == "create"
    assert lock.view.model.title == "Choisissez un code PIN"
    assert lock.view.model.prompt == "6 chiffres ou plus. Il protège vos comptes sur cet appareil."
    lock.presenter.submit("12345")
    assert lock.view.model.error.code == "pin_too_short"
    assert lock.view.model.error.text == "Un nouveau code PIN compte au moins 6 chiffres."
    lock.presenter.submit("12345a")
    assert lock.view.model.error.code == "pin_not_digits"
    assert lock.view.model.error.text == "Un code PIN ne contient que des chiffres (0-9)."
    assert lock.view.model.mode == "create"
    lock.presenter.submit(PIN)
    assert lock.view.model.mode == "confirm"
    assert lock.view.model.title == "Confirmez le code PIN"
    lock.presenter.submit("999999")
    assert lock.view.model.mode == "create"
    assert lock.view.model.error.code == "pin_mismatch"
    assert lock.view.model.error.text == "Les deux codes PIN sont différents."
    assert lock.view.model.error.title == "Vérifiez votre saisie"  # as in the settings
    lock.presenter.submit(PIN)
    lock.presenter.submit(PIN)
    (vault,) = lock.opened
    assert vault.accounts == ()
    assert Vault.open(vault_path, PIN).accounts == ()


def test_unlock_shows_busy_while_the_key_is_derived(vault: Vault) -> None:
    runner = QueuedRunner()
    lock = Lock(vault.path, runner=runner)
    assert lock.view.model.mode == "unlock"
    lock.presenter.submit(PIN)
    assert lock.view.model.busy
    lock.presenter.submit(PIN)  # a second press while busy does nothing
    assert len(runner.queue) == 1
    runner.run_all()
    assert not lock.view.model.busy
    assert [v.path for v in lock.opened] == [vault.path]


def test_wrong_pins_wait_longer_each_time_even_after_a_restart(vault: Vault) -> None:
    lock = Lock(vault.path)
    lock.presenter.submit("0000")
    model = lock.view.model
    assert (model.error.code, model.error.title) == ("vault_pin_wrong", "Problème de coffre-fort")
    assert (model.wait_seconds, model.wait_text) == (1, "Réessayez dans 1 s.")
    lock.presenter.submit(PIN)  # too early: refused without trying
    assert lock.view.model.error.code == "pin_wait"
    assert lock.opened == []
    lock.clock.advance(1)
    lock.presenter.tick()
    assert lock.view.model.wait_seconds == 0
    lock.presenter.submit("1111")
    assert lock.view.model.wait_seconds == 2

    again = Lock(vault.path, now=lock.clock())  # restarted: the wait is still there
    assert again.view.model.wait_seconds == 2
    again.clock.advance(2)
    again.presenter.submit(PIN)
    assert len(again.opened) == 1
    assert Preferences.load(vault.path.with_name("settings.json")).failed_unlocks == 0


def test_an_empty_pin_is_refused(vault: Vault) -> None:
    lock = Lock(vault.path)
    lock.presenter.submit("")
    assert lock.view.model.error.code == "pin_empty"
    assert lock.view.calls.count("clear_pin") >= 2


def test_a_damaged_vault_is_explained_and_left_alone(vault_path: Path) -> None:
    vault_path.write_bytes(b"not a vault at all")
    lock = Lock(vault_path)
    lock.presenter.submit(PIN)
    assert lock.view.model.error.code in {"vault_corrupted", "vault_version_unsupported"}
    assert vault_path.read_bytes() == b"not a vault at all"


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Entrez votre code PIN"), ("en", "Enter your PIN")]
)
def test_texts_follow_the_language(vault: Vault, language: str, title: str) -> None:
    lock = Lock(vault.path)
    lock.translator.set_language(language)
    lock.presenter.refresh()
    assert lock.view.model.title == title


def test_a_wait_far_in_the_future_is_capped_at_the_longest_delay(vault: Vault) -> None:
    """A clock set back (or an edited settings file) never locks the user out for longer."""
    prefs = Preferences.load(vault.path.with_name("settings.json"))
    prefs.failed_unlocks = 3
    prefs.retry_at = NOW + timedelta(days=30)
    prefs.save()
    lock = Lock(vault.path)
    assert lock.view.model.wait_seconds == 15 * 60
    lock.clock.advance(15 * 60)
    lock.presenter.tick()
    assert lock.view.model.wait_seconds == 0
    lock.presenter.submit(PIN)
    assert len(lock.opened) == 1
