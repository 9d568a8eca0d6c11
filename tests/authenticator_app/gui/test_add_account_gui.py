"""Add an account from a QR code image (made with segno here), with real touches, at phone
and desktop sizes; and an unreadable image explained on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest
import segno

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.gui.conftest import NOW, SIZES
from tests.authenticator_app.gui.test_accounts_gui import row, services, unlock

pytestmark = pytest.mark.gui

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"
URI = f"otpauth://totp/Universit%C3%A9:c.martin?secret={SECRET}&issuer=Universit%C3%A9"


@pytest.fixture
def empty_vault(tmp_path: Path) -> Path:
    path = tmp_path / "vault.bin"
    Vault.create(path, PIN, kdf=FAST_KDF)
    return path


def open_image_tab(gui: Any) -> None:
    assert gui.screen().empty_text  # nothing yet: the empty list invites to add one
    gui.tap_id("add_first")
    gui.settle()
    assert gui.current == "add"
    gui.tap_id("tab_image")


@pytest.mark.parametrize("size", SIZES)
def test_add_an_account_from_a_qr_image(
    empty_vault: Path, tmp_path: Path, gui_factory: Any, size: Any
) -> None:
    image = tmp_path / "qr.png"
    segno.make(URI, error="m").save(str(image), scale=6)
    gui = gui_factory(services(empty_vault, FixedClock(NOW)), size)
    unlock(gui)
    open_image_tab(gui)
    gui.type_into(gui.widget("image_path"), str(image))
    gui.tap_id("read_image")
    gui.settle()
    assert gui.current == "accounts"
    added = gui.screen().row_views()
    assert [(r.issuer, r.name) for r in added] == [("Université", "c.martin")]
    expected = pyotp.TOTP(SECRET).at(NOW)
    assert row(gui, added[0].account_id).code == f"{expected[:3]} {expected[3:]}"
    assert gui.app.root_widget.snackbar.text == "Compte ajouté : Université:c.martin"
    assert [a.name for a in Vault.open(empty_vault, PIN).accounts] == ["c.martin"]


@pytest.mark.parametrize("size", SIZES)
def test_an_image_without_a_qr_code_is_explained(
    empty_vault: Path, tmp_path: Path, gui_factory: Any, size: Any
) -> None:
    from PIL import Image

    image = tmp_path / "blank.png"
    Image.new("RGB", (120, 120), "white").save(image)
    gui = gui_factory(services(empty_vault, FixedClock(NOW)), size)
    unlock(gui)
    open_image_tab(gui)
    gui.type_into(gui.widget("image_path"), str(image))
    gui.tap_id("read_image")
    gui.settle()
    screen = gui.screen()
    assert gui.current == "add"
    assert screen.error_code == "qr_not_found"
    assert screen.error_text == "Aucun code QR n’a été trouvé dans cette image."
