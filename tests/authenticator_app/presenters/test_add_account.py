from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import segno

from authenticator_app.core.accounts import Account
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.add_account import AddAccountPresenter, manual_offer
from authenticator_app.presenters.errors import AppInputError
from authenticator_app.presenters.qr_image import read_qr_codes
from authenticator_app.presenters.runner import ImmediateRunner
from shared.messages import EnrollmentOffer
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.fake_idp import FakeIdp
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView

TOTP_URI = f"otpauth://totp/Example:bob?secret={RFC_SECRET}&issuer=Example"


class Add:
    def __init__(self, enroller: Enroller, read_qr: Any = read_qr_codes) -> None:
        self.view = FakeView()
        self.nav = FakeNavigator()
        self.added: list[Account] = []
        self.presenter = AddAccountPresenter(
            self.view,
            enroller=enroller,
            navigator=self.nav,
            translator=Translator(),
            runner=ImmediateRunner(),
            read_qr=read_qr,
            on_added=self.added.append,
            device_name="Pixel de test",
        )
        self.presenter.start()


def test_paste_a_totp_link(enroller: Enroller, vault: Vault) -> None:
    add = Add(enroller)
    add.presenter.submit_link(f"  {TOTP_URI}\n")
    assert [a.label for a in vault.accounts] == ["Example:bob"]
    assert [a.label for a in add.added] == ["Example:bob"]
    assert add.nav.routes == [("accounts", None)]
    assert add.nav.notices == ["Compte ajouté : Example:bob"]
    assert "clear_inputs" in add.view.calls


def test_paste_an_enrollment_link(enroller: Enroller, timed_idp: FakeIdp, vault: Vault) -> None:
    add = Add(enroller)
    add.presenter.submit_link(timed_idp.offer_uri("camille.martin"))
    (account,) = vault.accounts
    assert account.push is not None
    assert account.push.device_name == "Pixel de test"
    assert timed_idp.devices[account.push.device_id].user == "camille.martin"


@pytest.mark.parametrize(
    ("link", "code", "text"),
    [
        ("hello", "uri_unsupported", "Lien non pris en charge"),
        ("otpauth://totp/x?secret=AB", "uri_invalid", "Ce n’est pas un lien de compte valide."),
    ],
)
def test_bad_links_are_explained(enroller: Enroller, link: str, code: str, text: str) -> None:
    add = Add(enroller)
    add.presenter.submit_link(link)
    error = add.view.model.error
    assert error.code == code
    assert error.text.startswith(text)
    assert add.nav.routes == []


def test_a_used_activation_code_is_explained(enroller: Enroller, timed_idp: FakeIdp) -> None:
    uri = timed_idp.offer_uri()
    add = Add(enroller)
    add.presenter.submit_link(uri)
    add.presenter.submit_link(uri)
    error = add.view.model.error
    assert error.code == "activation_code_used"
    assert error.text == "Le code d’activation a déjà été utilisé."


def test_the_idp_down_is_explained(enroller: Enroller, timed_idp: FakeIdp) -> None:
    uri = timed_idp.offer_uri()
    timed_idp.stop()
    add = Add(enroller)
    add.presenter.submit_link(uri)
    assert add.view.model.error.code == "idp_unreachable"
    assert not add.view.model.busy


def test_type_the_activation_code_and_server_by_hand(
    enroller: Enroller, timed_idp: FakeIdp, vault: Vault
) -> None:
    offer = EnrollmentOffer.from_uri(timed_idp.offer_uri("theo"), now=timed_idp.clock())
    add = Add(enroller)
    add.presenter.set_mode("code")
    assert add.view.model.mode == "code"
    add.presenter.submit_code(offer.code, f"{offer.url}/realms/{offer.realm}/", "")
    (account,) = vault.accounts
    assert account.name == "theo"  # named by the receipt, not by the hand-made offer


def test_manual_offer() -> None:
    uri = manual_offer("abcDEF-123_x", "https://idp.example/", "Jasmin", now_unix=1_800_000_000)
    offer = EnrollmentOffer.from_uri(uri, now=_at(1_800_000_000))
    assert (offer.url, offer.realm, offer.code) == ("https://idp.example", "jasmin", "abcDEF-123_x")
    assert offer.exp == 1_800_000_300
    from_path = manual_offer("abcdef", "http://127.0.0.1:5000/realms/uphf", "", now_unix=0)
    assert "realm=uphf" in from_path
    for args, code in [
        (("abc", "https://idp.example", "x"), "activation_code_invalid"),
        (("abcdefg", "idp.example", "x"), "server_url_invalid"),
        (("abcdefg", "https://idp.example", ""), "realm_missing"),
        (("abcdefg", "https://idp.example", "Not A Slug!"), "realm_missing"),
    ]:
        with pytest.raises(AppInputError) as caught:
            manual_offer(*args, now_unix=0)
        assert caught.value.code == code


def _at(unix: int) -> Any:
    from shared.timing import from_unix_time

    return from_unix_time(unix)


def test_read_a_qr_image(enroller: Enroller, vault: Vault, tmp_path: Path) -> None:
    image = tmp_path / "qr.png"
    segno.make(TOTP_URI, error="m").save(str(image), scale=5)
    add = Add(enroller)
    add.presenter.set_mode("image")
    add.presenter.read_image(str(image))
    assert [a.label for a in vault.accounts] == ["Example:bob"]


@pytest.mark.parametrize(
    ("texts", "code"),
    [([], "qr_not_found"), (["https://example.com"], "qr_not_an_account")],
)
def test_images_without_an_account(enroller: Enroller, texts: list[str], code: str) -> None:
    add = Add(enroller, read_qr=lambda _path: texts)
    add.presenter.read_image("/some/image.png")
    assert add.view.model.error.code == code


def test_image_errors(enroller: Enroller, tmp_path: Path) -> None:
    add = Add(enroller)
    add.presenter.read_image("  ")
    assert add.view.model.error.code == "file_missing"
    add.presenter.read_image(str(tmp_path / "absent.png"))
    assert add.view.model.error.code == "file_missing"
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello")
    add.presenter.read_image(str(not_an_image))
    assert add.view.model.error.code == "qr_unreadable"
    assert add.view.model.error.text == "Ce fichier n’est pas une image lisible par l’application."
