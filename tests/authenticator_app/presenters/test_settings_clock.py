"""The app's test-mode clock setting: the offset moves every service's clock at once, is saved,
and bad input is a translated error that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from authenticator_app.core.clock import AdjustableClock, FixedClock
from authenticator_app.core.codes import current_codes
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.preferences import Preferences, preferences_path
from authenticator_app.presenters.runner import ImmediateRunner
from authenticator_app.presenters.settings import SettingsPresenter
from tests.authenticator_app.factories import totp_account
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView
from tests.conftest import FIXED_NOW


def _settings(vault: Vault, clock: AdjustableClock | None) -> tuple[SettingsPresenter, FakeView]:
    view = FakeView()
    presenter = SettingsPresenter(
        view,
        vault=vault,
        navigator=FakeNavigator(),
        translator=Translator("fr"),
        preferences=Preferences.load(preferences_path(vault.path)),
        runner=ImmediateRunner(),
        on_lock=lambda: None,
        device_clock=clock,
    )
    presenter.start()
    return presenter, view


def test_not_offered_outside_test_mode(vault: Vault) -> None:
    presenter, view = _settings(vault, None)
    assert view.model.clock_offset is None
    presenter.set_clock_offset("30")  # ignored
    assert view.model.clock_offset is None


def test_the_offset_moves_the_codes_and_is_saved(vault: Vault) -> None:
    vault.add_account(totp_account(FIXED_NOW))
    base = FixedClock(FIXED_NOW)
    clock = AdjustableClock(base)
    presenter, view = _settings(vault, clock)
    assert view.model.clock_offset == "0"
    before = current_codes(vault, None, now=clock())[0][1].code
    presenter.set_clock_offset(" \u221230 ")  # a typographic minus, as some keyboards give
    assert view.model.clock_offset == "-30"
    assert view.model.clock_error is None
    assert clock() == FIXED_NOW - timedelta(seconds=30)
    after = current_codes(vault, None, now=clock())[0][1].code
    assert before != after
    assert Preferences.load(preferences_path(vault.path)).clock_offset_seconds == -30


@pytest.mark.parametrize("text", ["", "abc", "1.5", str(400 * 86400 + 1)])
def test_bad_input_is_refused_in_words(vault: Vault, text: str) -> None:
    clock = AdjustableClock(FixedClock(FIXED_NOW), 12)
    presenter, view = _settings(vault, clock)
    presenter.set_clock_offset(text)
    error = view.model.clock_error
    assert error is not None
    assert error.code == "clock_offset_invalid"
    assert "décalage de l’horloge" in error.text
    assert clock.offset_seconds == 12
    assert view.model.clock_offset == "12"


def test_a_damaged_saved_offset_falls_back_to_zero(vault: Vault) -> None:
    path = preferences_path(vault.path)
    path.write_text('{"language": "fr", "clock_offset_seconds": 99999999999}')
    assert Preferences.load(path).clock_offset_seconds == 0
