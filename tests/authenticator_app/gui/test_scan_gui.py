"""Scan a QR code with the camera: the real screen and presenter in a real Kivy window, the
camera a Kivy provider fed with pictures of real QR codes (segno), at phone and desktop
sizes; and what the user sees when it goes wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyotp
import pytest

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.gui.conftest import NOW, SIZES
from tests.authenticator_app.gui.image_camera import BrokenCamera, image_camera
from tests.authenticator_app.gui.test_accounts_gui import row, services, unlock
from tests.authenticator_app.qr_pictures import scene

pytestmark = pytest.mark.gui

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"
URI = f"otpauth://totp/Universit%C3%A9:c.martin?secret={SECRET}&issuer=Universit%C3%A9"


@pytest.fixture
def empty_vault(tmp_path: Path) -> Path:
    path = tmp_path / "vault.bin"
    Vault.create(path, PIN, kdf=FAST_KDF)
    return path


def open_scanner(gui: Any, *, read_at_once: bool = False) -> None:
    gui.tap_id("add_first")
    gui.settle()
    assert gui.current == "add"
    gui.tap_id("scan")
    if not read_at_once:
        gui.settle()
        assert gui.current == "scan"


@pytest.mark.parametrize("size", SIZES)
def test_scan_a_code_with_the_camera(
    empty_vault: Path, gui_factory: Any, size: Any, tmp_path: Path
) -> None:
    # The camera first sees a table, then a rotated, dim code: as a hand brings the phone in.
    pictures: list[Any] = [scene()]
    camera = image_camera(pictures)
    gui = gui_factory(services(empty_vault, FixedClock(NOW), camera_provider=camera), size)
    unlock(gui)
    open_scanner(gui)
    screen = gui.screen()
    gui.wait(lambda: screen.camera_on and screen.ids.preview.texture is not None, what="preview")
    assert gui.shows("Placez le code QR dans le cadre.")
    gui.frames(5)
    assert gui.current == "scan"  # nothing to read yet
    pictures[:] = [scene(URI, rotate=20, contrast=(70, 170))]
    gui.wait(lambda: gui.current == "accounts", what="the account added")
    gui.settle()
    added = gui.screen().row_views()
    assert [(r.issuer, r.name) for r in added] == [("Université", "c.martin")]
    expected = pyotp.TOTP(SECRET).at(NOW)
    assert row(gui, added[0].account_id).code == f"{expected[:3]} {expected[3:]}"
    assert gui.app.root_widget.snackbar.text == "Compte ajouté : Université:c.martin"
    assert [a.name for a in Vault.open(empty_vault, PIN).accounts] == ["c.martin"]
    assert all(c.stopped for c in camera.instances), "the camera is off once the code is read"


@pytest.mark.parametrize("size", SIZES)
def test_a_code_that_is_no_account_is_explained_and_scanning_goes_on(
    empty_vault: Path, gui_factory: Any, size: Any
) -> None:
    pictures: list[Any] = [scene("https://www.uphf.fr/")]
    camera = image_camera(pictures)
    gui = gui_factory(services(empty_vault, FixedClock(NOW), camera_provider=camera), size)
    unlock(gui)
    open_scanner(gui)
    screen = gui.screen()
    gui.wait(lambda: screen.error_code == "qr_not_an_account", what="the error")
    assert gui.shows("Ce code QR ne contient pas de lien de compte.")
    assert screen.camera_on
    pictures[:] = [scene(URI)]
    gui.wait(lambda: gui.current == "accounts", what="the account added")


@pytest.mark.parametrize("size", SIZES)
def test_a_scanned_link_gets_the_pasted_links_errors(
    empty_vault: Path, gui_factory: Any, size: Any
) -> None:
    bad = "otpauth://totp/Example:bob?issuer=Example"  # no secret
    camera = image_camera([scene(bad)])
    gui = gui_factory(services(empty_vault, FixedClock(NOW), camera_provider=camera), size)
    unlock(gui)
    open_scanner(gui, read_at_once=True)
    gui.wait(lambda: gui.current == "add", what="back on the add screen")
    gui.settle()
    scanned_code = gui.screen().error_code
    scanned_text = gui.screen().error_text
    assert scanned_code  # the enroller's refusal, shown where a pasted link's would be
    gui.tap_id("tab_link")
    gui.type_into(gui.widget("link"), bad)
    gui.tap_id("add_link")
    gui.settle()
    assert (gui.screen().error_code, gui.screen().error_text) == (scanned_code, scanned_text)
    assert not Vault.open(empty_vault, PIN).accounts


@pytest.mark.parametrize("size", SIZES)
def test_no_camera_says_so_and_offers_the_link_field(
    empty_vault: Path, gui_factory: Any, size: Any
) -> None:
    gui = gui_factory(services(empty_vault, FixedClock(NOW), camera_provider=BrokenCamera), size)
    unlock(gui)
    open_scanner(gui)
    screen = gui.screen()
    assert screen.error_code == "camera_unavailable"
    assert gui.shows("Caméra indisponible")
    assert gui.shows(
        "Aucune caméra n’est utilisable sur cet appareil : collez le lien ou lisez une "
        "image à la place."
    )
    assert gui.shows("Réessayer")
    gui.tap_id("paste_instead")
    gui.settle()
    assert gui.current == "add"
    assert gui.screen().mode == "link"
    assert gui.shows(
        "Collez le lien d’activation (otpauth://…) que votre organisation affiche à côté du "
        "code QR."
    )


def test_a_refused_permission_says_how_to_allow_it(empty_vault: Path, gui_factory: Any) -> None:
    camera = image_camera([scene(URI)])
    asked: list[Any] = []

    def refuse(answer: Any) -> None:
        asked.append(answer)
        answer(False)

    gui = gui_factory(
        services(
            empty_vault,
            FixedClock(NOW),
            camera_provider=camera,
            camera_permission=refuse,
        ),
        SIZES[0].values[0],
    )
    unlock(gui)
    open_scanner(gui)
    gui.settle()
    assert len(asked) == 1
    assert gui.screen().error_code == "camera_permission_denied"
    assert gui.shows("Accès à la caméra refusé")
    assert camera.instances == [], "no camera is opened without the permission"


def test_leaving_the_scanner_turns_the_camera_off(empty_vault: Path, gui_factory: Any) -> None:
    camera = image_camera([scene()])
    gui = gui_factory(
        services(empty_vault, FixedClock(NOW), camera_provider=camera), SIZES[0].values[0]
    )
    unlock(gui)
    open_scanner(gui)
    gui.wait(lambda: camera.instances and camera.instances[-1].shown > 0, what="pictures")
    gui.tap_id("back_button")
    gui.settle()
    assert gui.current == "add"
    assert all(c.stopped for c in camera.instances)
    assert gui.screen("scan").ids.preview.texture is None


def test_pausing_the_app_frees_the_camera_locks_and_scanning_works_again(
    empty_vault: Path, gui_factory: Any
) -> None:
    pictures: list[Any] = [scene()]
    camera = image_camera(pictures)
    gui = gui_factory(
        services(empty_vault, FixedClock(NOW), camera_provider=camera), SIZES[0].values[0]
    )
    unlock(gui)
    open_scanner(gui)
    gui.wait(lambda: camera.instances and camera.instances[-1].shown > 0, what="pictures")
    gui.app.on_pause()  # another app in front (it may want the camera); the app locks
    gui.frames(3)
    assert all(c.stopped for c in camera.instances)
    gui.app.on_resume()
    gui.settle()
    assert gui.current == "lock"
    assert all(c.stopped for c in camera.instances)  # no camera behind the lock
    unlock(gui)
    open_scanner(gui)
    gui.wait(lambda: not camera.instances[-1].stopped, what="the camera again")
    pictures[:] = [scene(URI)]
    gui.wait(lambda: gui.current == "accounts", what="the account added")
