"""Settings without Kivy: the language switched live and saved, the PIN changed (the old one
checked against the file), and "about"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from authenticator_app import __version__
from authenticator_app.core.errors import VaultPinWrong
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.preferences import Preferences, preferences_path
from authenticator_app.presenters.runner import ImmediateRunner
from authenticator_app.presenters.settings import LanguageChoice, SettingsPresenter
from shared.version import PROTOCOL_VERSION
from tests.authenticator_app.conftest import PIN
from tests.authenticator_app.factories import totp_account
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView, QueuedRunner

NEW_PIN = "135791"


@dataclass
class Settings:
    presenter: SettingsPresenter
    view: FakeView
    nav: FakeNavigator
    translator: Translator
    prefs: Preferences
    runner: ImmediateRunner
    vault: Vault
    locks: list[bool] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)


def make_settings(
    vault: Vault, runner: ImmediateRunner | None = None, clock: Any = None
) -> Settings:
    view, nav, translator = FakeView(), FakeNavigator(), Translator("fr")
    prefs = Preferences.load(preferences_path(vault.path))
    runner = runner or ImmediateRunner()
    locks: list[bool] = []
    presenter = SettingsPresenter(
        view,
        vault=vault,
        navigator=nav,
        translator=translator,
        preferences=prefs,
        runner=runner,
        on_lock=lambda: locks.append(True),
        **({"clock": clock} if clock is not None else {}),
    )
    settings = Settings(presenter, view, nav, translator, prefs, runner, vault, locks)
    translator.subscribe(settings.heard.append)
    presenter.start()
    return settings


@pytest.fixture
def settings(vault: Vault) -> Settings:
    return make_settings(vault)


def about(settings: Settings) -> dict[str, str]:
    return {line.label: line.value for line in settings.view.model.about}


def test_start_shows_the_languages_and_about(settings: Settings, vault_path: Path) -> None:
    model = settings.view.model
    assert model.languages == (
        LanguageChoice("fr", "Français", True),
        LanguageChoice("en", "English", False),
    )
    assert about(settings) == {
        "Version de l’application": __version__,
        "Version du protocole": str(PROTOCOL_VERSION),
        "Coffre-fort": str(vault_path),
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)  # a real version, not a blank
    assert not model.pin_busy
    assert model.pin_error is None
    assert settings.view.calls == ["clear_pins"]


def test_english_is_switched_live_and_saved(settings: Settings, vault_path: Path) -> None:
    settings.presenter.set_language("en")
    assert settings.translator.language == "en"
    assert settings.heard == ["en"]  # the other screens hear about it
    assert settings.view.model.languages == (
        LanguageChoice("fr", "Français", False),
        LanguageChoice("en", "English", True),
    )
    assert about(settings) == {
        "App version": __version__,
        "Protocol version": str(PROTOCOL_VERSION),
        "Vault": str(vault_path),
    }
    assert Preferences.load(preferences_path(vault_path)).language == "en"

    rendered = len(settings.view.models)
    settings.presenter.set_language("en")  # already: nothing happens
    settings.presenter.set_language("de")  # unknown: ignored
    assert settings.heard == ["en"]
    assert len(settings.view.models) == rendered
    assert settings.translator.language == "en"

    settings.presenter.set_language("fr")
    assert settings.heard == ["en", "fr"]
    assert settings.view.model.languages[0].selected
    assert Preferences.load(preferences_path(vault_path)).language == "fr"


def test_change_the_pin(settings: Settings, vault_path: Path, fixed_now: datetime) -> None:
    settings.vault.add_account(totp_account(fixed_now))
    settings.view.calls.clear()
    settings.presenter.change_pin(PIN, NEW_PIN, NEW_PIN)
    assert settings.nav.notices == ["Code PIN modifié."]
    assert settings.view.model.pin_error is None
    assert not settings.view.model.pin_busy
    assert settings.view.calls == ["clear_pins"]
    reopened = Vault.open(vault_path, NEW_PIN)
    assert [a.id for a in reopened.accounts] == ["acct_totp_1"]  # nothing else changed
    with pytest.raises(VaultPinWrong):
        Vault.open(vault_path, PIN)
    settings.vault.reload()  # the open vault follows the new PIN (no VaultPinWrong)
    assert [a.id for a in settings.vault.accounts] == ["acct_totp_1"]


def test_a_wrong_current_pin_is_explained_and_changes_nothing(
    settings: Settings, vault_path: Path
) -> None:
    before = vault_path.read_bytes()
    settings.view.calls.clear()
    settings.presenter.change_pin("0000", NEW_PIN, NEW_PIN)
    error = settings.view.model.pin_error
    assert (error.code, error.title, error.text) == (
        "vault_pin_wrong",
        "Problème de coffre-fort",
        "Code PIN incorrect.",
    )
    assert settings.view.calls == ["clear_pins"]
    assert settings.nav.notices == []
    assert not settings.view.model.pin_busy
    assert vault_path.read_bytes() == before
    Vault.open(vault_path, PIN)

    settings.presenter.start()  # coming back to the screen: the old error is gone
    assert settings.view.model.pin_error is None


@pytest.mark.parametrize(
    ("new", "repeat", "code", "text"),
    [
        ("12345", "12345", "pin_too_short", "Un nouveau code PIN compte au moins 6 chiffres."),
        ("abcdef", "abcdef", "pin_not_digits", "Un code PIN ne contient que des chiffres (0-9)."),
        ("135790", "135791", "pin_mismatch", "Les deux codes PIN sont différents."),
    ],
)
def test_a_bad_new_pin_is_refused_before_any_work(
    settings: Settings, vault_path: Path, new: str, repeat: str, code: str, text: str
) -> None:
    before = vault_path.read_bytes()
    settings.presenter.change_pin(PIN, new, repeat)
    error = settings.view.model.pin_error
    assert (error.code, error.title, error.text) == (code, "Vérifiez votre saisie", text)
    assert settings.runner.submitted == 0
    assert vault_path.read_bytes() == before


def test_errors_follow_the_language(vault: Vault, fixed_now: datetime) -> None:
    from authenticator_app.core.clock import FixedClock

    clock = FixedClock(fixed_now)
    settings = make_settings(vault, clock=clock)
    settings.presenter.set_language("en")
    settings.presenter.change_pin("0000", NEW_PIN, NEW_PIN)
    error = settings.view.model.pin_error
    assert (error.title, error.text) == ("Vault problem", "Wrong PIN.")
    clock.advance(1)  # the wait after one wrong PIN
    settings.presenter.change_pin(PIN, NEW_PIN, NEW_PIN)
    assert settings.nav.notices == ["PIN changed."]


def test_busy_while_the_pin_changes(vault: Vault, vault_path: Path) -> None:
    runner = QueuedRunner()
    settings = make_settings(vault, runner)
    settings.presenter.change_pin(PIN, NEW_PIN, NEW_PIN)
    assert settings.view.model.pin_busy
    settings.presenter.change_pin(PIN, "2222", "2222")  # a second press while busy: ignored
    assert len(runner.queue) == 1
    runner.run_all()
    assert not settings.view.model.pin_busy
    assert settings.nav.notices == ["Code PIN modifié."]
    Vault.open(vault_path, NEW_PIN)


def test_back_and_lock(settings: Settings) -> None:
    settings.presenter.back()
    assert settings.nav.backs == 1
    assert settings.locks == []
    settings.presenter.lock()
    assert settings.locks == [True]


def test_wrong_current_pins_count_with_the_lock_screens_and_wait(
    vault: Vault, vault_path: Path, fixed_now: datetime
) -> None:
    from authenticator_app.core.clock import FixedClock
    from authenticator_app.presenters.lock import seconds_to_wait

    clock = FixedClock(fixed_now)
    settings = make_settings(vault, clock=clock)
    settings.prefs.failed_unlocks = 2  # two wrong PINs at the lock screen already
    settings.prefs.save()
    settings.presenter.change_pin("000000", NEW_PIN, NEW_PIN)
    assert settings.view.model.pin_error.code == "vault_pin_wrong"
    saved = Preferences.load(preferences_path(vault_path))
    assert saved.failed_unlocks == 3
    assert seconds_to_wait(saved, clock()) == 4  # 1, 2, 4 s: the lock screen's wait too
    submitted = settings.runner.submitted
    settings.presenter.change_pin(PIN, NEW_PIN, NEW_PIN)  # even the right PIN waits
    assert settings.view.model.pin_error.code == "pin_wait"
    assert settings.runner.submitted == submitted  # no scrypt try while waiting
    clock.advance(4)
    settings.presenter.change_pin(PIN, NEW_PIN, NEW_PIN)
    assert settings.view.model.pin_error is None
    assert settings.nav.notices == ["Code PIN modifié."]
    saved = Preferences.load(preferences_path(vault_path))
    assert (saved.failed_unlocks, saved.retry_at) == (0, None)


def test_the_idle_time_is_chosen_saved_and_applied(vault: Vault, vault_path: Path) -> None:
    heard: list[int] = []
    view, translator = FakeView(), Translator("fr")
    prefs = Preferences.load(preferences_path(vault.path))
    presenter = SettingsPresenter(
        view,
        vault=vault,
        navigator=FakeNavigator(),
        translator=translator,
        preferences=prefs,
        runner=ImmediateRunner(),
        on_lock=lambda: None,
        on_idle_changed=heard.append,
    )
    presenter.start()
    assert [(c.seconds, c.label, c.selected) for c in view.model.idle_choices] == [
        (30, "30\u00a0s", False),
        (60, "1\u00a0min", True),  # the default
        (300, "5\u00a0min", False),
        (900, "15\u00a0min", False),
        (0, "Jamais", False),
    ]
    presenter.set_idle_lock(0)
    assert heard == [0]
    assert [c.seconds for c in view.model.idle_choices if c.selected] == [0]
    assert Preferences.load(preferences_path(vault_path)).idle_lock_seconds == 0
    rendered = len(view.models)
    presenter.set_idle_lock(45)  # not a choice (a tampered call): ignored
    assert heard == [0]
    assert len(view.models) == rendered
    translator.set_language("en")
    presenter.refresh()
    assert view.model.idle_choices[-1].label == "Never"
