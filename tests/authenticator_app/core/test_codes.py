from __future__ import annotations

from datetime import UTC, datetime

import pytest

from authenticator_app.core.accounts import Account, OtpParameters
from authenticator_app.core.codes import current_codes
from authenticator_app.core.errors import AccountHasNoCode, AccountNotFound
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import PIN
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account, totp_account

T59 = datetime.fromtimestamp(59, tz=UTC)


def test_totp_codes(vault: Vault, fixed_now: datetime) -> None:
    vault.add_account(totp_account(fixed_now))
    [(account, code)] = current_codes(vault, None, now=T59)
    assert (account.label, code.code, code.remaining) == ("Example:bob", "287082", 1)


def test_hotp_counter_is_saved_before_the_code_is_shown(vault: Vault, fixed_now: datetime) -> None:
    hotp = Account(
        id="h1",
        issuer="Counter",
        name="carol",
        added_at=fixed_now,
        otp=OtpParameters(type="hotp", secret=RFC_SECRET),
    )
    vault.add_account(hotp)
    assert [c.code for _, c in current_codes(vault, "carol", now=T59)] == ["755224"]
    assert Vault.open(vault.path, PIN).account("h1").otp.counter == 1  # type: ignore[union-attr]
    assert [c.code for _, c in current_codes(vault, "carol", now=T59)] == ["287082"]


def test_push_only_accounts_have_no_codes(vault: Vault, fixed_now: datetime) -> None:
    vault.add_account(push_account(Realm(), fixed_now))
    with pytest.raises(AccountHasNoCode):
        current_codes(vault, "jasmin", now=T59)
    with pytest.raises(AccountNotFound):
        current_codes(vault, "nobody", now=T59)
