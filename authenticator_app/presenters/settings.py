"""Settings: the language (Français / English, switched live), the PIN, the automatic lock's
idle time, import and export, and "about".

Changing the PIN checks the current one by opening the vault file with it (the scrypt cost, on
the runner), then re-seals the vault under the new PIN with a fresh salt; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from authenticator_app import __version__
from authenticator_app.core.clock import AdjustableClock, Clock, system_clock
from authenticator_app.core.errors import AuthenticatorError, PinMismatch, VaultPinWrong
from authenticator_app.core.pin_rule import check_new_pin
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import LANGUAGES, Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.idle_lock import IDLE_CHOICES, idle_label
from authenticator_app.presenters.lock import record_wrong_pin, seconds_to_wait
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.preferences import Preferences
from authenticator_app.presenters.profile import DetailLine
from authenticator_app.presenters.runner import Runner
from shared.version import PROTOCOL_VERSION

__all__ = ["IdleChoice", "LanguageChoice", "SettingsModel", "SettingsPresenter", "SettingsView"]


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    code: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class IdleChoice:
    seconds: int
    """0: never."""
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class SettingsModel:
    languages: tuple[LanguageChoice, ...]
    about: tuple[DetailLine, ...]
    pin_busy: bool = False
    pin_error: ErrorNotice | None = None
    clock_offset: str | None = None
    """Test mode: the device clock's offset in seconds, as text (None: not offered)."""
    clock_error: ErrorNotice | None = None
    idle_choices: tuple[IdleChoice, ...] = ()
    """The automatic lock's idle times, the saved one selected."""


class SettingsView(Protocol):
    def render(self, model: SettingsModel) -> None: ...

    def clear_pins(self) -> None: ...


class SettingsPresenter:
    def __init__(
        self,
        view: SettingsView,
        *,
        vault: Vault,
        navigator: Navigator,
        translator: Translator,
        preferences: Preferences,
        runner: Runner,
        on_lock: Callable[[], None],
        clock: Clock = system_clock,
        device_clock: AdjustableClock | None = None,
        on_idle_changed: Callable[[int], None] = lambda _seconds: None,
    ) -> None:
        self.view = view
        self.vault = vault
        self._nav = navigator
        self._ = translator
        self._prefs = preferences
        self._runner = runner
        self._on_lock = on_lock
        self._clock = clock
        self._busy = False
        self._error: ErrorNotice | None = None
        self._device_clock = device_clock
        self._clock_error: ErrorNotice | None = None
        self._on_idle_changed = on_idle_changed

    def start(self) -> None:
        self._error = None
        self.view.clear_pins()
        self.refresh()

    def refresh(self) -> None:
        _ = self._
        self.view.render(
            SettingsModel(
                languages=tuple(
                    LanguageChoice(code, label, code == self._.language)
                    for code, label in LANGUAGES.items()
                ),
                about=(
                    DetailLine(_("Version de l’application"), __version__),
                    DetailLine(_("Version du protocole"), str(PROTOCOL_VERSION)),
                    DetailLine(_("Coffre-fort"), str(self.vault.path)),
                ),
                pin_busy=self._busy,
                pin_error=self._error,
                clock_offset=(
                    None if self._device_clock is None else str(self._device_clock.offset_seconds)
                ),
                clock_error=self._clock_error,
                idle_choices=tuple(
                    IdleChoice(
                        seconds, idle_label(seconds, _), seconds == self._prefs.idle_lock_seconds
                    )
                    for seconds in IDLE_CHOICES
                ),
            )
        )

    def back(self) -> None:
        self._nav.back()

    def lock(self) -> None:
        self._on_lock()

    def open_import(self) -> None:
        self._nav.show("import")

    def open_export(self) -> None:
        self._nav.show("export")

    def set_language(self, code: str) -> None:
        """Switch live: every screen re-renders through the translator's listeners."""
        if code not in LANGUAGES or code == self._.language:
            return
        self._prefs.language = code
        self._prefs.save()
        self._.set_language(code)
        self.refresh()

    def set_idle_lock(self, seconds: int) -> None:
        """The automatic lock's idle time (0: never), saved and applied at once."""
        if seconds not in IDLE_CHOICES:
            return
        self._prefs.idle_lock_seconds = seconds
        self._prefs.save()
        self._on_idle_changed(seconds)
        self.refresh()

    def set_clock_offset(self, text: str) -> None:
        """Test mode: skew this device's clock (TOTP codes, challenge checks, signed times)."""
        if self._device_clock is None:
            return
        try:
            seconds = int(text.strip().replace("\u2212", "-"))
            self._device_clock.offset_seconds = seconds
        except ValueError:
            self._clock_error = describe_error(AppInputError("clock_offset_invalid"), self._)
            self.refresh()
            return
        self._clock_error = None
        self._prefs.clock_offset_seconds = seconds
        self._prefs.save()
        self.refresh()
        self._nav.notice(self._("Décalage de l’horloge : {seconds} s.").format(seconds=seconds))

    def change_pin(self, current: str, new: str, repeat: str) -> None:
        if self._busy:
            return
        try:
            check_new_pin(new)
            if new != repeat:
                raise PinMismatch("the two new PINs differ")
        except AuthenticatorError as error:
            self._pin_failed(error)
            return
        # The current PIN is a PIN guess like the lock screen's: same count, same wait.
        if seconds_to_wait(self._prefs, self._clock()) > 0:
            self._pin_failed_code("pin_wait")
            return
        self._busy = True
        self._error = None
        self.refresh()
        path = self.vault.path

        def work() -> None:
            Vault.open(path, current)  # VaultPinWrong when the current PIN is not right
            self.vault.change_pin(new)

        self._runner.submit(work, self._pin_changed, self._pin_failed)

    def _pin_changed(self, _result: None) -> None:
        self._prefs.failed_unlocks = 0
        self._prefs.retry_at = None
        self._prefs.save()
        self._busy = False
        self.view.clear_pins()
        self.refresh()
        self._nav.notice(self._("Code PIN modifié."))

    def _pin_failed_code(self, code: str) -> None:
        self._busy = False
        self._error = describe_error(code, self._)
        self.view.clear_pins()
        self.refresh()

    def _pin_failed(self, error: AuthenticatorError) -> None:
        if isinstance(error, VaultPinWrong):
            record_wrong_pin(self._prefs, self._clock())
        self._busy = False
        self._error = describe_error(error, self._)
        self.view.clear_pins()
        self.refresh()
