"""The one-time codes of the vault's accounts, right now.

An HOTP code consumes its counter: the moved counter is saved in the vault *before* the code is
returned, so a code is never shown twice (and a crash in between wastes a code, never reuses one).
"""

from __future__ import annotations

from datetime import datetime

from authenticator_app.core.accounts import Account, find_accounts
from authenticator_app.core.errors import AccountHasNoCode, AccountNotFound
from authenticator_app.core.otp import OtpCode, generate_code
from authenticator_app.core.vault import Vault

__all__ = ["current_codes"]


def current_codes(
    vault: Vault, query: str | None, *, now: datetime
) -> list[tuple[Account, OtpCode]]:
    """The code of every account matching ``query`` that has codes (all of them without one).

    :class:`AccountNotFound` when nothing matches; :class:`AccountHasNoCode` when only
    push-only accounts do.
    """
    matching = find_accounts(vault.accounts, query)
    if not matching:
        raise AccountNotFound(f"no account matches {query!r}")
    rows: list[tuple[Account, OtpCode]] = []
    for account in matching:
        if account.otp is None:
            continue
        code = generate_code(account.otp, now)
        if code.next_parameters is not None:
            vault.replace_account(account.with_otp(code.next_parameters))
        rows.append((account, code))
    if not rows:
        raise AccountHasNoCode(f"{matching[0].label} has no one-time codes")
    return rows
