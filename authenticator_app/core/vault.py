"""The vault: one encrypted file holding the accounts and the answered-challenge record.

The content is JSON (:class:`VaultContents`) sealed by :mod:`authenticator_app.core.vault_crypto`
under a key derived from the PIN. Every change is a read-modify-write under an advisory lock,
written atomically (:mod:`authenticator_app.core.atomic_file`): two processes on the same vault
do not lose each other's changes, and a failure leaves the previous file intact. Nothing is
written unless the file opened cleanly, so a wrong PIN, a damaged file or a vault from a newer
version is never overwritten.

The answered record (bounded) is the app's replay protection: a challenge id answered once is
refused if it shows up again.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from authenticator_app.core.accounts import Account
from authenticator_app.core.atomic_file import atomic_write, file_lock
from authenticator_app.core.clock import RandomBytes, system_random
from authenticator_app.core.errors import (
    AccountNotFound,
    PinEmpty,
    VaultCorrupted,
    VaultExists,
    VaultLocked,
    VaultMissing,
    VaultUnreadable,
)
from authenticator_app.core.vault_crypto import DerivedKey, KdfParams, new_key, open_sealed, seal

__all__ = [
    "MAX_ANSWERED",
    "AnsweredChallenge",
    "Vault",
    "VaultContents",
    "default_vault_path",
]

MAX_ANSWERED: Final = 256
MAX_VAULT_BYTES: Final = 16 * 1024 * 1024
# An answer is kept for replay protection at least this long after the challenge expired.
ANSWER_RETENTION: Final = timedelta(hours=24)


class AnsweredChallenge(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    account_id: str
    challenge_id: Annotated[str, Field(max_length=64)]
    decision: Literal["approve", "deny", "report"]
    outcome: Annotated[str, Field(max_length=64)]
    """The IdP's status (``approved``...) or its error code (``number_mismatch``...)."""
    answered_at: AwareDatetime
    expires_at: AwareDatetime


class VaultContents(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    accounts: tuple[Account, ...] = ()
    answered: tuple[AnsweredChallenge, ...] = ()

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> VaultContents:
        try:
            return cls.model_validate(json.loads(data.decode("utf-8")))
        except (ValueError, ValidationError):
            # ValueError covers JSON and UTF-8 errors; the GCM tag passed, so this is a bug
            # or a vault written by something else: refuse rather than guess.
            raise VaultCorrupted("the vault content is not what this app writes") from None


def default_vault_path(env: Mapping[str, str] | None = None) -> Path:
    """``$AUTHENTICATOR_VAULT``, else ``$XDG_DATA_HOME/sspr-authenticator/vault.bin``."""
    env = os.environ if env is None else env
    if env.get("AUTHENTICATOR_VAULT"):
        return Path(env["AUTHENTICATOR_VAULT"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "sspr-authenticator" / "vault.bin"


def _check_pin(pin: str) -> str:
    if not pin:
        raise PinEmpty("the PIN is empty")
    return pin


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_VAULT_BYTES + 1)
    except FileNotFoundError:
        raise VaultMissing(f"no vault at {path}") from None
    except OSError as exc:
        raise VaultUnreadable(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_VAULT_BYTES:
        raise VaultCorrupted("the file is too large to be a vault")
    return data


class Vault:
    """An open vault. Use :meth:`create` or :meth:`open`; :meth:`lock` forgets the key."""

    def __init__(
        self,
        path: Path,
        pin: str,
        key: DerivedKey,
        contents: VaultContents,
        *,
        rng: RandomBytes = system_random,
    ) -> None:
        self._path = path
        self._pin: str | None = pin
        self._key: DerivedKey | None = key
        self._contents: VaultContents | None = contents
        self._rng = rng
        self._guard = threading.RLock()

    # --- opening ---------------------------------------------------------------------------

    @staticmethod
    def exists(path: Path) -> bool:
        return path.exists()

    @classmethod
    def create(
        cls,
        path: Path,
        pin: str,
        *,
        kdf: KdfParams | None = None,
        rng: RandomBytes = system_random,
    ) -> Vault:
        """A new, empty vault (:class:`VaultExists` if the file is there already)."""
        key = new_key(_check_pin(pin), kdf or KdfParams(), rng)
        contents = VaultContents()
        with file_lock(path):
            if path.exists():
                raise VaultExists(f"a vault already exists at {path}")
            atomic_write(path, seal(contents.to_bytes(), key, rng))
        return cls(path, pin, key, contents, rng=rng)

    @classmethod
    def open(cls, path: Path, pin: str, *, rng: RandomBytes = system_random) -> Vault:
        """Open an existing vault (:class:`VaultMissing`, :class:`VaultPinWrong`,
        :class:`VaultCorrupted`, :class:`VaultVersionUnsupported`, :class:`VaultUnreadable`)."""
        plaintext, key = open_sealed(_read(path), _check_pin(pin))
        return cls(path, pin, key, VaultContents.from_bytes(plaintext), rng=rng)

    # --- reading ---------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def is_locked(self) -> bool:
        return self._contents is None

    @property
    def contents(self) -> VaultContents:
        if self._contents is None:
            raise VaultLocked("the vault is locked")
        return self._contents

    @property
    def accounts(self) -> tuple[Account, ...]:
        return self.contents.accounts

    def account(self, account_id: str) -> Account:
        for account in self.accounts:
            if account.id == account_id:
                return account
        raise AccountNotFound(f"no account with id {account_id!r}")

    def was_answered(self, account_id: str, challenge_id: str) -> bool:
        return any(
            a.account_id == account_id and a.challenge_id == challenge_id
            for a in self.contents.answered
        )

    # --- changing --------------------------------------------------------------------------

    def reload(self) -> VaultContents:
        """Re-read the file (another process may have changed it)."""
        with self._guard:
            self._contents = self._load()
            return self._contents

    def _load(self) -> VaultContents:
        if self._pin is None:
            raise VaultLocked("the vault is locked")
        plaintext, self._key = open_sealed(_read(self._path), self._pin, self._key)
        return VaultContents.from_bytes(plaintext)

    def update(self, change: Callable[[VaultContents], VaultContents]) -> VaultContents:
        """Apply ``change`` to the latest contents and save, under the lock, atomically."""
        with self._guard, file_lock(self._path):
            current = self._load()
            changed = change(current)
            if self._key is None:  # pragma: no cover - _load sets it
                raise VaultLocked("the vault is locked")
            atomic_write(self._path, seal(changed.to_bytes(), self._key, self._rng))
            self._contents = changed
            return changed

    def add_account(self, account: Account) -> None:
        self.update(lambda c: c.model_copy(update={"accounts": (*c.accounts, account)}))

    def replace_account(self, account: Account) -> None:
        def change(contents: VaultContents) -> VaultContents:
            if not any(a.id == account.id for a in contents.accounts):
                raise AccountNotFound(f"no account with id {account.id!r}")
            accounts = tuple(account if a.id == account.id else a for a in contents.accounts)
            return contents.model_copy(update={"accounts": accounts})

        self.update(change)

    def remove_account(self, account_id: str) -> None:
        def change(contents: VaultContents) -> VaultContents:
            accounts = tuple(a for a in contents.accounts if a.id != account_id)
            if len(accounts) == len(contents.accounts):
                raise AccountNotFound(f"no account with id {account_id!r}")
            return contents.model_copy(update={"accounts": accounts})

        self.update(change)

    def record_answer(self, answer: AnsweredChallenge, *, now: datetime) -> None:
        """Remember an answered challenge (bounded: expired ones and the oldest are dropped)."""

        def change(contents: VaultContents) -> VaultContents:
            keep = [
                a
                for a in contents.answered
                if a.expires_at + ANSWER_RETENTION > now
                and (a.account_id, a.challenge_id) != (answer.account_id, answer.challenge_id)
            ]
            keep.append(answer)
            return contents.model_copy(update={"answered": tuple(keep[-MAX_ANSWERED:])})

        self.update(change)

    def change_pin(self, new_pin: str, *, kdf: KdfParams | None = None) -> None:
        """Re-seal the vault under ``new_pin`` with a fresh salt."""
        cost = kdf or (self._key.kdf if self._key else KdfParams())
        new = new_key(_check_pin(new_pin), cost, self._rng)
        with self._guard, file_lock(self._path):
            current = self._load()
            atomic_write(self._path, seal(current.to_bytes(), new, self._rng))
            self._pin, self._key, self._contents = new_pin, new, current

    def lock(self) -> None:
        """Forget the PIN, the key and the decrypted contents."""
        with self._guard:
            self._pin = self._key = self._contents = None
