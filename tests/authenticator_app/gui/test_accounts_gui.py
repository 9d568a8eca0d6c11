"""Unlock with the PIN, see the codes (equal to pyotp's at the injected time), open a profile
and press "Changer de mot de passe": real touches, at phone and desktop sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest

from authenticator_app.core.clock import FixedClock
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.gui.conftest import NOW, SIZES

pytestmark = pytest.mark.gui


def services(vault_path: Path, clock: FixedClock, **overrides: Any) -> Any:
    from authenticator_app.app import AppServices

    return AppServices(
        vault_path=vault_path,
        clock=clock,
        kdf=FAST_KDF,
        watch=False,
        notify=lambda title, text: None,
        **overrides,
    )


def row(gui: Any, account_id: str) -> Any:
    return next(r for r in gui.screen("accounts").row_views() if r.account_id == account_id)


def unlock(gui: Any, pin: str = PIN) -> None:
    gui.enter_pin(pin)


@pytest.mark.parametrize("size", SIZES)
def test_unlock_and_see_the_codes(vault_file: Path, gui_factory: Any, size: Any) -> None:
    clock = FixedClock(NOW)
    gui = gui_factory(services(vault_file, clock), size)
    unlock(gui)
    assert gui.current == "accounts"
    rows = {row.account_id: row for row in gui.screen().row_views()}
    expected = pyotp.TOTP(RFC_SECRET).at(NOW)
    assert rows["acct_totp_1"].code == f"{expected[:3]} {expected[3:]}"
    assert rows["acct_totp_1"].issuer == "Example"
    assert rows["acct_push_only"].push_only
    assert rows["acct_push_only"].caption == "Notifications push uniquement"

    clock.advance(30)
    following = pyotp.TOTP(RFC_SECRET).at(clock())
    assert following != expected
    gui.wait(lambda: row(gui, "acct_totp_1").code.replace(" ", "") == following, what="next code")


@pytest.mark.parametrize("size", SIZES)
def test_wrong_pin_then_a_growing_wait(vault_file: Path, gui_factory: Any, size: Any) -> None:
    clock = FixedClock(NOW)
    gui = gui_factory(services(vault_file, clock), size)
    unlock(gui, "1111")
    assert gui.current == "lock"
    screen = gui.screen()
    assert screen.error_code == "vault_pin_wrong"
    assert screen.error_text == "Code PIN incorrect."
    assert screen.wait_seconds == 1
    clock.advance(1)
    gui.wait(lambda: screen.wait_seconds == 0, what="the wait to end")
    unlock(gui, "2222")
    assert screen.wait_seconds == 2
    clock.advance(2)
    gui.wait(lambda: screen.wait_seconds == 0, what="the wait to end")
    unlock(gui)
    assert gui.current == "accounts"


@pytest.mark.parametrize("size", SIZES)
def test_profile_change_password_opens_the_realm_page(
    vault_file: Path, gui_factory: Any, size: Any
) -> None:
    opened: list[str] = []
    gui = gui_factory(
        services(vault_file, FixedClock(NOW), open_url=lambda url: opened.append(url) or True),
        size,
    )
    unlock(gui)
    gui.tap(row(gui, "acct_push_only"))
    gui.settle()
    assert gui.current == "profile"
    profile = gui.screen()
    assert profile.title == "Jasmin"
    assert "dev_Q2mT8xZr4kLp" in gui.texts()
    gui.tap_id("change_password")
    assert opened == ["http://127.0.0.1:5000/realms/jasmin/password/change?login=alice.martin"]
    gui.tap_id("back_button")
    gui.settle()
    assert gui.current == "accounts"
