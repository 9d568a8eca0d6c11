from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from authenticator_app.core.accounts import (
    Account,
    OtpParameters,
    find_accounts,
    select_account,
)
from authenticator_app.core.errors import AccountAmbiguous, AccountNotFound
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account, totp_account


def test_label_and_kinds(fixed_now: datetime) -> None:
    push = push_account(Realm(), fixed_now, otp=OtpParameters(secret=RFC_SECRET))
    assert push.label == "Jasmin:alice.martin"
    assert push.kinds == ["push", "totp"]
    bare = Account(id="x1", name="solo", added_at=fixed_now, otp=OtpParameters(secret=RFC_SECRET))
    assert bare.label == "solo"
    assert bare.kinds == ["totp"]


def test_an_account_holds_something(fixed_now: datetime) -> None:
    with pytest.raises(ValidationError, match="push enrollment"):
        Account(id="x1", name="empty", added_at=fixed_now)


def test_secrets_are_not_in_repr(fixed_now: datetime) -> None:
    account = push_account(Realm(), fixed_now, otp=OtpParameters(secret=RFC_SECRET))
    text = repr(account)
    assert RFC_SECRET not in text
    assert "PRIVATE KEY" not in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (None, ["acct_push_1", "acct_totp_1", "acct_totp_2"]),
        ("acct_totp_2", ["acct_totp_2"]),
        ("jasmin:ALICE.MARTIN", ["acct_push_1"]),
        ("example", ["acct_totp_1", "acct_totp_2"]),
        ("Example:bob", ["acct_totp_1"]),
        ("nobody", []),
    ],
)
def test_find_accounts(fixed_now: datetime, query: str | None, expected: list[str]) -> None:
    accounts = [
        push_account(Realm(), fixed_now),
        totp_account(fixed_now),
        totp_account(fixed_now, account_id="acct_totp_2", name="bobby"),
    ]
    assert [a.id for a in find_accounts(accounts, query)] == expected


def test_select_account(fixed_now: datetime) -> None:
    accounts = [
        totp_account(fixed_now),
        totp_account(fixed_now, account_id="acct_totp_2", name="bobby"),
    ]
    assert select_account(accounts, "bobby").id == "acct_totp_2"
    with pytest.raises(AccountAmbiguous):
        select_account(accounts, "bob")
    with pytest.raises(AccountNotFound):
        select_account(accounts, "zed")
