"""« Exporter les comptes » (issue 20), over :mod:`authenticator_app.core.transfer`.

The TOTP/HOTP accounts as « Sauvegarde chiffrée » (password typed twice, 8 characters or more)
or « Aegis (non chiffré) » (with a warning), to a path the user types (a default in
``directory``; a relative path goes there too). It says beforehand and afterwards how many push
accounts are left out: their keys never leave the device. An existing file is replaced only when
asked, atomically. Reached from the settings: the vault is unlocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.errors import (
    AuthenticatorError,
    BackupPasswordMismatch,
    ExportExists,
)
from authenticator_app.core.transfer import (
    ExportResult,
    check_backup_password,
    export_aegis,
    export_backup,
    export_counts,
    write_export,
)
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.runner import Runner

__all__ = ["ExportFormat", "ExportModel", "ExportPresenter", "ExportView"]

ExportFormat = Literal["backup", "aegis"]


@dataclass(frozen=True, slots=True)
class ExportModel:
    format: ExportFormat
    path: str
    otp_count: int
    push_count: int
    busy: bool = False
    error: ErrorNotice | None = None
    result: str = ""
    count_text: str = ""
    push_note: str = ""
    """Empty without push accounts."""


class ExportView(Protocol):
    def render(self, model: ExportModel) -> None: ...

    def clear_passwords(self) -> None: ...

    def clear_overwrite(self) -> None:
        """Untick « Remplacer le fichier s’il existe »."""


class ExportPresenter:
    def __init__(
        self,
        view: ExportView,
        *,
        vault: Vault,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        directory: Path,
        kdf: KdfParams | None = None,
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
    ) -> None:
        self.view = view
        self.vault = vault
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._directory = directory
        self._kdf = kdf
        self._clock = clock
        self._rng = rng
        self._format: ExportFormat = "backup"
        self._path = ""
        self._busy = False
        self._error: AuthenticatorError | None = None
        self._outcome: tuple[ExportResult, Path] | None = None

    def default_path(self, fmt: ExportFormat) -> str:
        stem = "authenticator-backup" if fmt == "backup" else "authenticator-aegis"
        return str(self._directory / f"{stem}-{self._clock():%Y%m%d}.json")

    def start(self) -> None:
        self._format = "backup"
        self._path = self.default_path("backup")
        self._busy, self._error, self._outcome = False, None, None
        self.view.clear_passwords()
        self.view.clear_overwrite()
        self.refresh()

    def refresh(self) -> None:
        _ = self._
        otp_count, push_count = export_counts(self.vault.accounts)
        self.view.render(
            ExportModel(
                format=self._format,
                path=self._path,
                otp_count=otp_count,
                push_count=push_count,
                busy=self._busy,
                error=describe_error(self._error, _) if self._error else None,
                result=self._result_text(),
                count_text=_("Comptes à exporter (codes à usage unique) : {count}.").format(
                    count=otp_count
                ),
                push_note=_(
                    "Comptes push laissés de côté : {count}. Leurs clés ne quittent jamais cet "
                    "appareil : activez le nouvel appareil auprès de votre organisation."
                ).format(count=push_count)
                if push_count
                else "",
            )
        )

    def back(self) -> None:
        self._nav.back()

    def set_format(self, fmt: ExportFormat, path: str) -> None:
        """Choose the format; a path still at the other format's default follows the choice."""
        if fmt == self._format:
            return
        untouched = path.strip() in {"", self.default_path(self._format)}
        self._format = fmt
        self._path = self.default_path(fmt) if untouched else path
        self._error, self._outcome = None, None
        self.refresh()

    def _check(self, path: str, password: str, repeat: str) -> Path:
        if not path.strip():
            raise AppInputError("export_path_missing")
        if self._format == "backup":
            check_backup_password(password)
            if password != repeat:
                raise BackupPasswordMismatch()
        target = Path(path.strip()).expanduser()
        return target if target.is_absolute() else self._directory / target

    def submit(self, path: str, password: str, repeat: str, *, overwrite: bool) -> None:
        if self._busy:
            return
        self._path = path
        try:
            target = self._check(path, password, repeat)
            if target.exists() and not overwrite:
                raise ExportExists(str(target))
        except AuthenticatorError as error:
            self._failed(error)
            return
        accounts = self.vault.accounts
        fmt = self._format

        def work() -> ExportResult:
            if fmt == "backup":
                result = export_backup(accounts, password, kdf=self._kdf, rng=self._rng)
            else:
                result = export_aegis(accounts, rng=self._rng)
            write_export(target, result.data, force=overwrite)
            return result

        self._busy, self._error, self._outcome = True, None, None
        self.refresh()
        self._runner.submit(work, lambda result: self._done(result, target), self._failed)

    def _result_text(self) -> str:
        if self._outcome is None:
            return ""
        _ = self._
        result, target = self._outcome
        text = _("Comptes exportés : {count}, dans {file}.").format(
            count=result.exported, file=target
        )
        if result.skipped_push:
            text += " " + _(
                "Comptes push non exportés : {count} (leurs clés restent sur cet appareil)."
            ).format(count=result.skipped_push)
        return text

    def _done(self, result: ExportResult, target: Path) -> None:
        self._busy, self._outcome = False, (result, target)
        self.view.clear_passwords()
        self.view.clear_overwrite()
        self.refresh()
        self._nav.notice(self._("Export terminé."))

    def _failed(self, error: AuthenticatorError) -> None:
        self._busy = False
        self._error = error
        self.view.clear_passwords()
        self.refresh()
