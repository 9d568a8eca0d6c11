from __future__ import annotations

import os
import stat
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.errors import (
    AccountNotFound,
    PinEmpty,
    VaultCorrupted,
    VaultExists,
    VaultLocked,
    VaultMissing,
    VaultPinWrong,
    VaultVersionUnsupported,
    VaultWriteFailed,
)
from authenticator_app.core.vault import (
    MAX_ANSWERED,
    AnsweredChallenge,
    Vault,
    VaultContents,
    default_vault_path,
)
from authenticator_app.core.vault_crypto import KdfParams, new_key, seal
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.factories import Realm, push_account, totp_account


def answered(challenge_id: str, now: datetime, *, expires_in: int = 60) -> AnsweredChallenge:
    return AnsweredChallenge(
        account_id="acct_push_1",
        challenge_id=challenge_id,
        decision="approve",
        outcome="approved",
        answered_at=now,
        expires_at=now + timedelta(seconds=expires_in),
    )


def test_create_then_open_round_trip(vault_path: Path, fixed_now: datetime) -> None:
    vault = Vault.create(vault_path, PIN, kdf=FAST_KDF)
    account = push_account(Realm(), fixed_now, otp=OtpParameters(secret="A" * 32))
    vault.add_account(account)
    vault.add_account(totp_account(fixed_now))
    reopened = Vault.open(vault_path, PIN)
    assert reopened.accounts == vault.accounts
    assert reopened.accounts[0] == account
    assert reopened.accounts[0].push is not None
    assert reopened.accounts[0].push.jwks == account.push.jwks  # type: ignore[union-attr]


def test_file_is_private_and_opaque(vault_path: Path, fixed_now: datetime) -> None:
    vault = Vault.create(vault_path, PIN, kdf=FAST_KDF)
    account = push_account(Realm(), fixed_now)
    vault.add_account(account)
    data = vault_path.read_bytes()
    assert stat.S_IMODE(vault_path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" not in data
    assert b"alice" not in data


def test_create_refuses_an_existing_file(vault: Vault, vault_path: Path) -> None:
    before = vault_path.read_bytes()
    with pytest.raises(VaultExists):
        Vault.create(vault_path, PIN, kdf=FAST_KDF)
    assert vault_path.read_bytes() == before


def test_empty_pin_is_refused(vault_path: Path) -> None:
    with pytest.raises(PinEmpty):
        Vault.create(vault_path, "", kdf=FAST_KDF)
    assert not vault_path.exists()


def test_missing(tmp_path: Path) -> None:
    with pytest.raises(VaultMissing):
        Vault.open(tmp_path / "nope.bin", PIN)


def test_wrong_pin(vault: Vault, vault_path: Path) -> None:
    with pytest.raises(VaultPinWrong):
        Vault.open(vault_path, "0000")


def test_corrupted_byte_is_detected_and_the_file_untouched(
    vault: Vault, vault_path: Path, fixed_now: datetime
) -> None:
    vault.add_account(totp_account(fixed_now))
    blob = bytearray(vault_path.read_bytes())
    blob[len(blob) // 2] ^= 0x40
    vault_path.write_bytes(bytes(blob))
    with pytest.raises(VaultCorrupted):
        Vault.open(vault_path, PIN)
    assert vault_path.read_bytes() == bytes(blob)


def test_a_write_on_a_vault_damaged_meanwhile_writes_nothing(
    vault: Vault, vault_path: Path, fixed_now: datetime
) -> None:
    blob = bytearray(vault_path.read_bytes())
    blob[-1] ^= 0x01
    vault_path.write_bytes(bytes(blob))
    with pytest.raises(VaultCorrupted):
        vault.add_account(totp_account(fixed_now))
    assert vault_path.read_bytes() == bytes(blob)


def test_truncated_file(vault: Vault, vault_path: Path) -> None:
    vault_path.write_bytes(vault_path.read_bytes()[:40])
    with pytest.raises(VaultCorrupted):
        Vault.open(vault_path, PIN)


def test_empty_file(vault_path: Path) -> None:
    vault_path.write_bytes(b"")
    with pytest.raises(VaultCorrupted):
        Vault.open(vault_path, PIN)


def test_newer_version_is_refused_and_untouched(vault: Vault, vault_path: Path) -> None:
    blob = bytearray(vault_path.read_bytes())
    blob[8:10] = struct.pack(">H", 7)
    vault_path.write_bytes(bytes(blob))
    with pytest.raises(VaultVersionUnsupported):
        Vault.open(vault_path, PIN)
    assert vault_path.read_bytes() == bytes(blob)


def test_content_that_authenticates_but_is_not_ours(vault_path: Path) -> None:
    vault_path.write_bytes(seal(b'{"accounts": 3}', new_key(PIN, FAST_KDF)))
    with pytest.raises(VaultCorrupted, match="content"):
        Vault.open(vault_path, PIN)


def test_failed_write_keeps_the_previous_vault(
    vault: Vault, vault_path: Path, fixed_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault.add_account(totp_account(fixed_now, account_id="first"))
    before = vault_path.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(VaultWriteFailed):
        vault.add_account(totp_account(fixed_now, account_id="second"))
    monkeypatch.undo()
    assert vault_path.read_bytes() == before
    assert [a.id for a in Vault.open(vault_path, PIN).accounts] == ["first"]
    assert [a.id for a in vault.accounts] == ["first"]


def test_two_handles_do_not_lose_each_others_changes(
    vault: Vault, vault_path: Path, fixed_now: datetime
) -> None:
    other = Vault.open(vault_path, PIN)
    vault.add_account(totp_account(fixed_now, account_id="from_one"))
    other.add_account(totp_account(fixed_now, account_id="from_two"))
    assert {a.id for a in Vault.open(vault_path, PIN).accounts} == {"from_one", "from_two"}
    assert {a.id for a in vault.reload().accounts} == {"from_one", "from_two"}


def test_replace_and_remove(vault: Vault, fixed_now: datetime) -> None:
    account = totp_account(fixed_now)
    vault.add_account(account)
    vault.replace_account(account.renamed("carol"))
    assert vault.account(account.id).name == "carol"
    vault.remove_account(account.id)
    assert vault.accounts == ()
    with pytest.raises(AccountNotFound):
        vault.remove_account(account.id)
    with pytest.raises(AccountNotFound):
        vault.replace_account(account)


def test_answers_are_remembered_and_bounded(vault: Vault, fixed_now: datetime) -> None:
    vault.record_answer(answered("old_challenge", fixed_now - timedelta(days=3)), now=fixed_now)
    for index in range(MAX_ANSWERED + 5):
        vault.record_answer(answered(f"challenge{index:04d}", fixed_now), now=fixed_now)
    assert len(vault.contents.answered) == MAX_ANSWERED
    assert vault.was_answered("acct_push_1", f"challenge{MAX_ANSWERED + 4:04d}")
    assert not vault.was_answered("acct_push_1", "challenge0000")
    assert not vault.was_answered("acct_push_1", "old_challenge")
    assert not vault.was_answered("other", f"challenge{MAX_ANSWERED + 4:04d}")


def test_expired_answers_are_pruned(vault: Vault, fixed_now: datetime) -> None:
    vault.record_answer(answered("stale_one", fixed_now - timedelta(days=2)), now=fixed_now)
    vault.record_answer(answered("fresh_one", fixed_now), now=fixed_now)
    assert [a.challenge_id for a in vault.contents.answered] == ["fresh_one"]


def test_change_pin(vault: Vault, vault_path: Path, fixed_now: datetime) -> None:
    vault.add_account(totp_account(fixed_now))
    vault.change_pin("97531", kdf=KdfParams(log2_n=5, r=1, p=1))
    with pytest.raises(VaultPinWrong):
        Vault.open(vault_path, PIN)
    assert len(Vault.open(vault_path, "97531").accounts) == 1


def test_lock_forgets_everything(vault: Vault) -> None:
    vault.lock()
    assert vault.is_locked
    with pytest.raises(VaultLocked):
        _ = vault.accounts
    with pytest.raises(VaultLocked):
        vault.reload()


def test_contents_json_round_trip(fixed_now: datetime) -> None:
    contents = VaultContents(accounts=(totp_account(fixed_now),))
    assert VaultContents.from_bytes(contents.to_bytes()) == contents


def test_default_path(tmp_path: Path) -> None:
    assert default_vault_path({"AUTHENTICATOR_VAULT": "/x/v.bin"}) == Path("/x/v.bin")
    assert default_vault_path({"XDG_DATA_HOME": str(tmp_path)}) == (
        tmp_path / "sspr-authenticator" / "vault.bin"
    )
