"""Import and export in the app's settings (issue 20), over :mod:`authenticator_app.core.transfer`.

:class:`ImportPresenter` reads a file path or a pasted ``otpauth-migration://``/``otpauth://``
URI. An encrypted file (Aegis encrypted, this app's backup) asks for its password: the first
attempt without one stops at ``import_password_needed`` and the screen shows the password
field. Reading, decrypting (scrypt) and the one vault write run on the runner; any import error
changes nothing. The result lists what was added and what was skipped, and why.

:class:`ExportPresenter` writes the TOTP/HOTP accounts as « Sauvegarde chiffrée » (password
typed twice, 8 characters or more) or « Aegis (non chiffré) » (with a warning), to a path the
user types (a default in ``directory``). It says beforehand and afterwards how many push
accounts are left out: their keys never leave the device. Both screens are reached from the
settings, so the vault is unlocked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.errors import (
    AuthenticatorError,
    BackupPasswordMismatch,
    BackupPasswordMissing,
    BackupPasswordTooShort,
    ExportExists,
    ImportPasswordWrong,
)
from authenticator_app.core.transfer import (
    MIN_BACKUP_PASSWORD,
    ExportResult,
    Skipped,
    add_imported,
    export_aegis,
    export_backup,
    parse_import,
    read_import_source,
    write_export,
)
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.runner import Runner

__all__ = [
    "ExportFormat",
    "ExportModel",
    "ExportPresenter",
    "ExportView",
    "ImportModel",
    "ImportPresenter",
    "ImportView",
]

ExportFormat = Literal["backup", "aegis"]


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
        self._model = ImportModel()

    def start(self) -> None:
        self._model = ImportModel()
        self.view.clear_password()
        self.refresh()

    def refresh(self) -> None:
        self.view.render(self._model)

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
        if self._model.busy:
            return
        source = source.strip()
        if not source:
            self._failed(AppInputError("import_source_missing"))
            return

        def ask_password() -> str:
            if not password:
                raise AppInputError("import_password_needed")
            return password

        def work() -> tuple[int, tuple[Skipped, ...], tuple[str, ...]]:
            batch = parse_import(read_import_source(source), ask_password)
            added, skipped = add_imported(self.vault, batch, now=self._clock(), rng=self._rng)
            return len(added), skipped, tuple(a.label for a in added)

        self._model = ImportModel(needs_password=self._model.needs_password, busy=True)
        self.refresh()
        self._runner.submit(work, self._done, self._failed)

    def _done(self, result: tuple[int, tuple[Skipped, ...], tuple[str, ...]]) -> None:
        count, skipped, labels = result
        self._model = ImportModel(
            summary=_imported(count, len(skipped), self._),
            added=labels,
            skipped=tuple(self._skip_line(s) for s in skipped),
        )
        self.view.clear_password()
        self.refresh()
        if count:
            self._on_imported()
        self._nav.notice(_imported(count, len(skipped), self._))

    def _failed(self, error: AuthenticatorError) -> None:
        encrypted = error.code == "import_password_needed" or isinstance(error, ImportPasswordWrong)
        self._model = ImportModel(
            needs_password=encrypted or self._model.needs_password,
            error=describe_error(error, self._),
        )
        self.view.clear_password()
        self.refresh()


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
        self._error: ErrorNotice | None = None
        self._result = ""

    def default_path(self, fmt: ExportFormat) -> str:
        stem = "authenticator-backup" if fmt == "backup" else "authenticator-aegis"
        return str(self._directory / f"{stem}-{self._clock():%Y%m%d}.json")

    def start(self) -> None:
        self._format = "backup"
        self._path = self.default_path("backup")
        self._busy, self._error, self._result = False, None, ""
        self.view.clear_passwords()
        self.view.clear_overwrite()
        self.refresh()

    def refresh(self) -> None:
        _ = self._
        accounts = self.vault.accounts
        otp_count = sum(1 for a in accounts if a.otp is not None)
        push_count = sum(1 for a in accounts if a.push is not None or a.pipush is not None)
        self.view.render(
            ExportModel(
                format=self._format,
                path=self._path,
                otp_count=otp_count,
                push_count=push_count,
                busy=self._busy,
                error=self._error,
                result=self._result,
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
        self._error, self._result = None, ""
        self.refresh()

    def _check(self, path: str, password: str, repeat: str) -> Path:
        if not path.strip():
            raise AppInputError("export_path_missing")
        if self._format == "backup":
            if not password:
                raise BackupPasswordMissing("empty")
            if len(password) < MIN_BACKUP_PASSWORD:
                raise BackupPasswordTooShort()
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

        self._busy, self._error, self._result = True, None, ""
        self.refresh()
        self._runner.submit(work, lambda result: self._done(result, target), self._failed)

    def _done(self, result: ExportResult, target: Path) -> None:
        _ = self._
        text = _("Comptes exportés : {count}, dans {file}.").format(
            count=result.exported, file=target
        )
        if result.skipped_push:
            text += " " + _(
                "Comptes push non exportés : {count} (leurs clés restent sur cet appareil)."
            ).format(count=result.skipped_push)
        self._busy, self._result = False, text
        self.view.clear_passwords()
        self.view.clear_overwrite()
        self.refresh()
        self._nav.notice(_("Export terminé."))

    def _failed(self, error: AuthenticatorError) -> None:
        self._busy = False
        self._error = describe_error(error, self._)
        self.view.clear_passwords()
        self.refresh()
