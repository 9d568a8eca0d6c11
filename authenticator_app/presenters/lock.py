"""The lock screen: the PIN opens the encrypted vault; the first run chooses one (twice).

Each wrong PIN makes the next try wait longer (1 s, 2 s, 4 s... up to 15 min), counted in the
preferences file so that restarting the app does not reset it; a right PIN resets it. Opening
and creating run on the background runner: the scrypt derivation takes a moment on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal, Protocol

from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.errors import (
    AuthenticatorError,
    PinEmpty,
    PinMismatch,
    VaultExists,
    VaultPinWrong,
)
from authenticator_app.core.pin_rule import check_new_pin
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import ErrorNotice, describe_error
from authenticator_app.presenters.preferences import Preferences
from authenticator_app.presenters.runner import Runner

__all__ = [
    "LockMode",
    "LockModel",
    "LockPresenter",
    "LockView",
    "record_wrong_pin",
    "retry_delay",
    "seconds_to_wait",
]

MAX_DELAY_SECONDS: Final = 15 * 60
LockMode = Literal["create", "confirm", "unlock"]


def retry_delay(failures: int) -> int:
    """Seconds to wait after ``failures`` wrong PINs in a row: 0, 1, 2, 4, 8... capped."""
    if failures <= 0:
        return 0
    # Cap the exponent first: the count comes from a file, and 2 ** (a huge count) never ends.
    return int(min(2 ** min(failures - 1, MAX_DELAY_SECONDS.bit_length()), MAX_DELAY_SECONDS))


def record_wrong_pin(prefs: Preferences, now: datetime) -> None:
    """One more wrong PIN (at the lock screen or as the settings' current PIN): the next try
    waits :func:`retry_delay`; remembered in the preferences file."""
    prefs.failed_unlocks += 1
    delay = retry_delay(prefs.failed_unlocks)
    prefs.retry_at = now + timedelta(seconds=delay) if delay else None
    prefs.save()


def seconds_to_wait(prefs: Preferences, now: datetime) -> int:
    """Seconds before the next PIN may be tried (0: now)."""
    if prefs.retry_at is None:
        return 0
    return max(0, math.ceil((prefs.retry_at - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class LockModel:
    mode: LockMode
    title: str
    prompt: str
    submit_label: str
    error: ErrorNotice | None = None
    busy: bool = False
    wait_seconds: int = 0
    """While above zero the keypad is disabled."""
    wait_text: str = ""


class LockView(Protocol):
    def render(self, model: LockModel) -> None: ...

    def clear_pin(self) -> None: ...


class LockPresenter:
    def __init__(
        self,
        view: LockView,
        *,
        vault_path: Path,
        runner: Runner,
        translator: Translator,
        preferences: Preferences,
        on_unlocked: Callable[[Vault], None],
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
        kdf: KdfParams | None = None,
    ) -> None:
        self.view = view
        self.vault_path = vault_path
        self._runner = runner
        self._ = translator
        self._prefs = preferences
        self._on_unlocked = on_unlocked
        self._clock = clock
        self._rng = rng
        self._kdf = kdf
        self._mode: LockMode = "unlock"
        self._first_pin: str | None = None
        self._error: ErrorNotice | None = None
        self._busy = False

    # --- state ----------------------------------------------------------------------------

    @property
    def mode(self) -> LockMode:
        return self._mode

    def start(self) -> None:
        """Show the right mode for the vault file (unlock it, or choose a PIN for a new one)."""
        self._mode = "unlock" if Vault.exists(self.vault_path) else "create"
        self._first_pin = None
        self._error = None
        self._busy = False
        self._cap_wait()
        self.view.clear_pin()
        self.refresh()

    def wait_seconds(self) -> int:
        return seconds_to_wait(self._prefs, self._clock())

    def _cap_wait(self) -> None:
        """Never more than the longest delay from now: a clock set back, or an edited settings
        file, must not lock the user out for longer."""
        longest = self._clock() + timedelta(seconds=MAX_DELAY_SECONDS)
        if self._prefs.retry_at is not None and self._prefs.retry_at > longest:
            self._prefs.retry_at = longest

    def refresh(self) -> None:
        _ = self._
        titles = {
            "create": (
                _("Choisissez un code PIN"),
                _("6 chiffres ou plus. Il protège vos comptes sur cet appareil."),
            ),
            "confirm": (_("Confirmez le code PIN"), _("Saisissez le même code PIN une 2e fois.")),
            "unlock": (_("Entrez votre code PIN"), _("Pour ouvrir vos comptes.")),
        }
        title, prompt = titles[self._mode]
        wait = self.wait_seconds() if self._mode == "unlock" else 0
        wait_text = _("Réessayez dans {seconds} s.").format(seconds=wait) if wait else ""
        label = _("Déverrouiller") if self._mode == "unlock" else _("Valider")
        self.view.render(
            LockModel(
                mode=self._mode,
                title=title,
                prompt=prompt,
                submit_label=label,
                error=self._error,
                busy=self._busy,
                wait_seconds=wait,
                wait_text=wait_text,
            )
        )

    def tick(self) -> None:
        """Once a second: count the wait down."""
        if self._mode == "unlock" and self._prefs.retry_at is not None:
            self._cap_wait()
            if self.wait_seconds() == 0:
                self._prefs.retry_at = None
                self._prefs.save()
            self.refresh()

    # --- actions --------------------------------------------------------------------------

    def submit(self, pin: str) -> None:
        if self._busy:
            return
        self._error = None
        if self._mode == "unlock":
            self._unlock(pin)
        elif self._mode == "create":
            self._choose(pin)
        else:
            self._confirm(pin)

    def _fail(self, error: AuthenticatorError | str) -> None:
        self._busy = False
        self._error = describe_error(error, self._)
        self.view.clear_pin()
        self.refresh()

    def _choose(self, pin: str) -> None:
        try:
            check_new_pin(pin)
        except AuthenticatorError as error:
            self._fail(error)
            return
        self._first_pin = pin
        self._mode = "confirm"
        self.view.clear_pin()
        self.refresh()

    def _confirm(self, pin: str) -> None:
        if pin != self._first_pin:
            self._first_pin = None
            self._mode = "create"
            self._fail(PinMismatch("the two PINs differ"))
            return
        self._busy = True
        self.refresh()
        self._runner.submit(
            lambda: Vault.create(self.vault_path, pin, kdf=self._kdf, rng=self._rng),
            self._opened,
            self._create_failed,
        )

    def _create_failed(self, error: AuthenticatorError) -> None:
        if isinstance(error, VaultExists):
            self._mode = "unlock"
        self._fail(error)

    def _unlock(self, pin: str) -> None:
        if self.wait_seconds() > 0:
            self._fail("pin_wait")
            return
        if not pin:
            self._fail(PinEmpty("the PIN is empty"))
            return
        self._busy = True
        self.refresh()
        self._runner.submit(
            lambda: Vault.open(self.vault_path, pin, rng=self._rng),
            self._opened,
            self._unlock_failed,
        )

    def _unlock_failed(self, error: AuthenticatorError) -> None:
        if isinstance(error, VaultPinWrong):
            record_wrong_pin(self._prefs, self._clock())
        self._fail(error)

    def _opened(self, vault: Vault) -> None:
        self._busy = False
        self._first_pin = None
        self._prefs.failed_unlocks = 0
        self._prefs.retry_at = None
        self._prefs.save()
        self.view.clear_pin()
        self._mode = "unlock"
        self.refresh()
        self._on_unlocked(vault)
