from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest

from authenticator_app.core.accounts import Account, OtpParameters
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.profile import ProfilePresenter
from authenticator_app.presenters.runner import ImmediateRunner
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account, totp_account
from tests.authenticator_app.fake_idp import FakeIdp
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


class Profile:
    def __init__(self, vault: Vault, *, clock: Any = None, opener_works: bool = True) -> None:
        self.view = FakeView()
        self.nav = FakeNavigator()
        self.opened: list[str] = []
        self.copied: list[str] = []
        self.changes = 0
        self.clock = clock or FixedClock(NOW)

        def opener(url: str) -> bool:
            self.opened.append(url)
            return opener_works

        self.presenter = ProfilePresenter(
            self.view,
            vault=vault,
            service=PushService(vault, clock=self.clock, timeout=5),
            navigator=self.nav,
            translator=Translator(),
            runner=ImmediateRunner(),
            open_url=opener,
            copy_text=self.copied.append,
            on_accounts_changed=self._changed,
            clock=self.clock,
        )

    def _changed(self) -> None:
        self.changes += 1


@pytest.fixture
def jasmin(vault: Vault) -> Account:
    account = push_account(Realm(), NOW, otp=OtpParameters(secret=RFC_SECRET))
    vault.add_account(account)
    return account


def test_details_and_device(vault: Vault, jasmin: Account) -> None:
    profile = Profile(vault)
    profile.presenter.load(jasmin.id)
    model = profile.view.model
    assert (model.title, model.name) == ("Jasmin", "alice.martin")
    assert model.kinds_text == "Notifications push + Codes à usage unique (TOTP)"
    assert model.code.replace(" ", "") == pyotp.TOTP(RFC_SECRET).at(NOW)
    assert model.can_change_password
    details = {line.label: line.value for line in model.details}
    assert details["Identifiant"] == "alice.martin"
    assert details["Période"] == "30 s"
    device = {line.label: line.value for line in model.device}
    assert device["Identifiant de l’appareil"] == "dev_Q2mT8xZr4kLp"
    assert device["Organisation"] == "jasmin"
    assert device["Vérification du numéro"] == "Saisie du numéro affiché"


def test_change_password_opens_the_realm_page_for_this_account(
    vault: Vault, jasmin: Account
) -> None:
    """Seed 000, step 03."""
    profile = Profile(vault)
    profile.presenter.load(jasmin.id)
    profile.presenter.change_password()
    assert profile.opened == [jasmin.push.change_password_url]  # type: ignore[union-attr]
    profile.presenter.open_profile()
    assert profile.opened[-1] == jasmin.push.profile_url  # type: ignore[union-attr]


def test_no_browser_shows_the_address(vault: Vault, jasmin: Account) -> None:
    profile = Profile(vault, opener_works=False)
    profile.presenter.load(jasmin.id)
    profile.presenter.change_password()
    model = profile.view.model
    assert model.error.code == "browser_unavailable"
    assert model.link == jasmin.push.change_password_url  # type: ignore[union-attr]


def test_copy_the_code(vault: Vault, jasmin: Account) -> None:
    profile = Profile(vault)
    profile.presenter.load(jasmin.id)
    profile.presenter.copy_code()
    assert profile.copied == [pyotp.TOTP(RFC_SECRET).at(NOW)]
    assert profile.nav.notices == ["Code copié"]


def test_hotp_is_revealed_on_request_and_the_counter_stored_first(vault: Vault) -> None:
    account = Account(
        id="acct_hotp",
        name="carol",
        added_at=NOW,
        otp=OtpParameters(type="hotp", secret=RFC_SECRET, counter=3),
    )
    vault.add_account(account)
    profile = Profile(vault)
    profile.presenter.load(account.id)
    assert not profile.view.model.code_revealed
    profile.presenter.reveal_code()
    assert profile.view.model.code.replace(" ", "") == pyotp.HOTP(RFC_SECRET).at(3)
    assert vault.account(account.id).otp.counter == 4  # type: ignore[union-attr]
    profile.presenter.copy_code()
    assert profile.copied == [pyotp.HOTP(RFC_SECRET).at(3)]


def test_rename(vault: Vault) -> None:
    vault.add_account(totp_account(NOW))
    profile = Profile(vault)
    profile.presenter.load("acct_totp_1")
    profile.presenter.start_rename()
    assert profile.view.model.renaming
    profile.presenter.rename("   ")
    assert profile.view.model.error.code == "name_empty"
    profile.presenter.rename("  bob   (travail) ")
    assert vault.account("acct_totp_1").name == "bob (travail)"
    assert not profile.view.model.renaming
    assert profile.changes == 1
    assert profile.nav.notices == ["Compte renommé"]


def test_remove_a_code_account_after_confirmation(vault: Vault) -> None:
    vault.add_account(totp_account(NOW))
    profile = Profile(vault)
    profile.presenter.load("acct_totp_1")
    profile.presenter.ask_remove()
    assert profile.view.model.confirming_removal
    assert "Example:bob" in profile.view.model.removal_text
    profile.presenter.cancel_remove()
    assert vault.accounts
    profile.presenter.ask_remove()
    profile.presenter.confirm_remove()
    assert vault.accounts == ()
    assert profile.nav.routes == [("accounts", None)]
    assert profile.nav.notices == ["Compte supprimé"]


def test_remove_a_push_account_removes_the_device_at_the_idp(
    vault: Vault, enroller: Enroller, timed_idp: FakeIdp, live_clock: FixedClock
) -> None:
    account = enroller.add_uri(timed_idp.offer_uri(), device_name="Pixel")
    profile = Profile(vault, clock=live_clock)
    profile.presenter.load(account.id)
    profile.presenter.ask_remove()
    profile.presenter.confirm_remove()
    assert vault.accounts == ()
    assert timed_idp.devices[account.push.device_id].revoked  # type: ignore[union-attr]


def test_idp_down_offers_to_remove_on_this_device_only(
    vault: Vault, enroller: Enroller, timed_idp: FakeIdp, live_clock: FixedClock
) -> None:
    account = enroller.add_uri(timed_idp.offer_uri(), device_name="Pixel")
    timed_idp.stop()
    profile = Profile(vault, clock=live_clock)
    profile.presenter.load(account.id)
    profile.presenter.ask_remove()
    profile.presenter.confirm_remove()
    model = profile.view.model
    assert model.error.code == "idp_unreachable"
    assert model.error.title == "Serveur injoignable"
    assert model.offer_local_removal
    assert len(vault.accounts) == 1  # nothing lost
    profile.presenter.remove_locally()
    assert vault.accounts == ()
