"""« Importer des comptes » (issue 20), over :mod:`authenticator_app.core.transfer`.

A file path or a pasted ``otpauth-migration://``/``otpauth://`` URI. An encrypted file (Aegis
encrypted, this app's backup) asks for its password: the first attempt without one stops at
``import_password_needed`` and the screen shows the password field. Reading, decrypting (scrypt)
and the one vault write run on the runner; any import error changes nothing. The result lists
what was added and what was skipped, and why. Reached from the settings: the vault is unlocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.errors import AuthenticatorError, ImportPasswordWrong
from authenticator_app.core.transfer import (
    Skipped,
    add_imported,
    parse_import,
    read_import_source,
)
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.runner import Runner

__all__ = ["ImportModel", "ImportPresenter", "ImportView"]


@dataclass(frozen=True, slots=True)
class ImportModel:
    needs_password: bool = False
    busy: bool = False
    error: ErrorNotice | None = None
    summary: str = ""
    added: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


class ImportView(Protocol):
    def render(self, model: ImportModel) -> None: ...

    def clear_password(self) -> None: ...


def _imported(added: int, skipped: int, _: Callable[[str], str]) -> str:
    return _("Comptes importés : {added}. Ignorés : {skipped}.").format(
        added=added, skipped=skipped
    )


@dataclass(frozen=True, slots=True)
class _Imported:
    added: tuple[str, ...]
    skipped: tuple[Skipped, ...]


class ImportPresenter:
    def __init__(
        self,
        view: ImportView,
        *,
        vault: Vault,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        on_imported: Callable[[], None],
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
    ) -> None:
        self.view = view
        self.vault = vault
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._on_imported = on_imported
        self._clock = clock
        self._rng = rng
        self._needs_password = False
        self._busy = False
        self._error: AuthenticatorError | None = None
        self._outcome: _Imported | None = None

    def start(self) -> None:
        self._needs_password, self._busy, self._error, self._outcome = False, False, None, None
        self.view.clear_password()
        self.refresh()

    def refresh(self) -> None:
        """Texts are made here, so a language switch re-renders them."""
        outcome = self._outcome
        self.view.render(
            ImportModel(
                needs_password=self._needs_password,
                busy=self._busy,
                error=describe_error(self._error, self._) if self._error else None,
                summary=_imported(len(outcome.added), len(outcome.skipped), self._)
                if outcome
                else "",
                added=outcome.added if outcome else (),
                skipped=tuple(self._skip_line(s) for s in outcome.skipped) if outcome else (),
            )
        )

    def back(self) -> None:
        self._nav.back()

    def _skip_line(self, item: Skipped) -> str:
        _ = self._
        reason = {
            "duplicate": _("déjà présent"),
            "unsupported": _("type non pris en charge"),
        }[item.reason]
        return _("{label} : {reason}").format(label=item.label, reason=reason)

    def submit(self, source: str, password: str) -> None:
        if self._busy:
            return
        source = source.strip()
        if not source:
            self._failed(AppInputError("import_source_missing"))
            return

        def ask_password() -> str:
            if not password:
                raise AppInputError("import_password_needed")
            return password

        def work() -> _Imported:
            # read and check everything, then one vault write (nothing on any error)
            batch = parse_import(read_import_source(source), ask_password)
            added, skipped = add_imported(self.vault, batch, now=self._clock(), rng=self._rng)
            return _Imported(tuple(a.label for a in added), skipped)

        self._busy, self._error, self._outcome = True, None, None
        self.refresh()
        self._runner.submit(work, self._done, self._failed)

    def _done(self, outcome: _Imported) -> None:
        self._busy, self._needs_password, self._outcome = False, False, outcome
        self.view.clear_password()
        self.refresh()
        if outcome.added:
            self._on_imported()
        self._nav.notice(_imported(len(outcome.added), len(outcome.skipped), self._))

    def _failed(self, error: AuthenticatorError) -> None:
        if error.code == "import_password_needed" or isinstance(error, ImportPasswordWrong):
            self._needs_password = True
        self._busy, self._error = False, error
        self.view.clear_password()
        self.refresh()
