from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest

from authenticator_app.core.accounts import Account, OtpParameters
from authenticator_app.core.clock import FixedClock
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.accounts import AccountsPresenter, StatusLine, fold
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account, totp_account
from tests.authenticator_app.presenters.conftest import FakeNavigator, FakeView

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


@pytest.fixture
def filled(vault: Vault) -> Vault:
    vault.add_account(totp_account(NOW))
    vault.add_account(push_account(Realm(), NOW, account_id="acct_push"))
    vault.add_account(
        Account(
            id="acct_hotp",
            issuer="Banque Épargne",
            name="carol",
            added_at=NOW,
            otp=OtpParameters(type="hotp", secret=RFC_SECRET, counter=5),
        )
    )
    return vault


@pytest.fixture
def home(
    filled: Vault, view: FakeView, nav: FakeNavigator, translator: Translator
) -> AccountsPresenter:
    presenter = AccountsPresenter(
        view, vault=filled, navigator=nav, translator=translator, clock=FixedClock(NOW)
    )
    presenter.refresh()
    return presenter


def test_rows_show_codes_as_pyotp_computes_them(home: AccountsPresenter, view: FakeView) -> None:
    rows = {row.account_id: row for row in view.model.rows}
    code = pyotp.TOTP(RFC_SECRET).at(NOW)
    totp = rows["acct_totp_1"]
    assert (totp.issuer, totp.name, totp.code) == ("Example", "bob", f"{code[:3]} {code[3:]}")
    assert (totp.remaining, totp.period) == (30 - NOW.second % 30, 30)
    assert totp.caption == "Codes à usage unique"
    push = rows["acct_push"]
    assert push.push_only
    assert push.code == ""
    assert push.caption == "Notifications push uniquement"
    hotp = rows["acct_hotp"]
    assert hotp.code == "••• •••"  # showing it would move the counter: the profile does
    assert view.model.empty_text == ""
    assert view.model.total == 3


def test_the_code_moves_on_with_the_clock(
    filled: Vault, view: FakeView, nav: FakeNavigator
) -> None:
    clock = FixedClock(NOW)
    home = AccountsPresenter(
        view, vault=filled, navigator=nav, translator=Translator(), clock=clock
    )
    home.refresh()
    clock.advance(30)
    home.tick()
    totp = next(r for r in view.model.rows if r.account_id == "acct_totp_1")
    assert totp.code.replace(" ", "") == pyotp.TOTP(RFC_SECRET).at(clock())


def test_search_ignores_case_and_accents(home: AccountsPresenter, view: FakeView) -> None:
    home.search("epargne")
    assert [r.account_id for r in view.model.rows] == ["acct_hotp"]
    home.search("JASMIN")
    assert [r.account_id for r in view.model.rows] == ["acct_push"]
    home.search("nobody")
    assert view.model.rows == ()
    assert view.model.empty_text == "Aucun compte ne correspond à « nobody »."
    assert fold("Écran d'Accueil") == "ecran d'accueil"


def test_empty_vault_invites_to_add(
    vault: Vault, view: FakeView, nav: FakeNavigator, translator: Translator
) -> None:
    home = AccountsPresenter(view, vault=vault, navigator=nav, translator=translator)
    home.refresh()
    assert view.model.total == 0
    assert "Appuyez sur « + »" in view.model.empty_text
    home.add()
    assert nav.routes == [("add", None)]


def test_navigation(home: AccountsPresenter, nav: FakeNavigator) -> None:
    home.open("acct_push")
    home.settings()
    assert nav.routes == [("profile", "acct_push"), ("settings", None)]


def test_status_line(home: AccountsPresenter, view: FakeView) -> None:
    home.set_status(StatusLine("Hors ligne", "warning"))
    assert view.model.status == StatusLine("Hors ligne", "warning")


def test_a_vault_that_cannot_be_reread_keeps_the_codes(
    home: AccountsPresenter, view: FakeView, filled: Vault
) -> None:
    filled.path.write_bytes(b"damaged")
    home.reload()
    assert view.model.status.level == "error"
    assert "Problème de coffre-fort" in view.model.status.text
    assert len(view.model.rows) == 3  # what was loaded is still shown, codes still work
