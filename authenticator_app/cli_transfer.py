"""``authenticator import`` and ``authenticator export`` (issue 20): the verbs over
:mod:`authenticator_app.core.transfer`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from authenticator_app.core import summaries
from authenticator_app.core.errors import (
    BackupPasswordMismatch,
    BackupPasswordMissing,
    ExportExists,
)
from authenticator_app.core.transfer import (
    MIN_BACKUP_PASSWORD,
    add_imported,
    check_backup_password,
    export_aegis,
    export_backup,
    parse_import,
    read_import_source,
    write_export,
)

if TYPE_CHECKING:
    from authenticator_app.cli import Cli

__all__ = ["BACKUP_PASSWORD_ENV", "MIN_BACKUP_PASSWORD", "run_export", "run_import"]

BACKUP_PASSWORD_ENV = "AUTHENTICATOR_BACKUP_PASSWORD"  # noqa: S105 - a variable name


def _password(cli: Cli, *, twice: bool) -> str:
    given = cli.env.get(BACKUP_PASSWORD_ENV)
    if given is None:
        if not cli.interactive:
            raise BackupPasswordMissing()
        given = cli.prompt("backup password: ")
        if twice and cli.prompt("backup password again: ") != given:
            raise BackupPasswordMismatch()
    if twice:  # a new backup's password
        return check_backup_password(given)
    if not given:
        raise BackupPasswordMissing("empty")
    return given


def run_import(cli: Cli, args: argparse.Namespace) -> int:
    # everything is read and checked before the vault is opened (or created)
    batch = parse_import(read_import_source(args.source), lambda: _password(cli, twice=False))
    vault = cli.open_vault(create=True)
    added, skipped = add_imported(vault, batch, now=cli.clock(), rng=cli.rng)
    if args.json:
        cli.document(
            format=batch.format,
            added=[summaries.account_summary(a) for a in added],
            skipped=[{"label": s.label, "reason": s.reason, "detail": s.detail} for s in skipped],
        )
        return 0
    for account in added:
        cli.print(f"added {account.label} ({', '.join(account.kinds)})")
    for item in skipped:
        cli.warn(
            f"skipped {item.label}: {item.reason}" + (f" ({item.detail})" if item.detail else "")
        )
    cli.print(f"imported {len(added)} account(s) from {batch.format}, skipped {len(skipped)}")
    return 0


def run_export(cli: Cli, args: argparse.Namespace) -> int:
    target = Path(args.file)
    if target.exists() and not args.force:
        raise ExportExists(str(target))
    accounts = cli.open_vault().accounts
    if args.format == "aegis":
        result = export_aegis(accounts, rng=cli.rng)
    else:
        result = export_backup(accounts, _password(cli, twice=True), kdf=cli.kdf, rng=cli.rng)
    write_export(target, result.data, force=args.force)
    if args.json:
        cli.document(
            format=args.format,
            file=str(target),
            exported=result.exported,
            skipped_push=result.skipped_push,
        )
        return 0
    cli.print(f"exported {result.exported} account(s) to {target} ({args.format})")
    if result.skipped_push:
        cli.warn(
            f"not exported: {result.skipped_push} push account(s) (their device keys stay on "
            "this device; enroll the new device at the IdP)"
        )
    return 0


def add_parsers(verb: Callable[[str, Callable[[Cli, argparse.Namespace], int], str], Any]) -> None:
    """Registers the two verbs with ``build_parser``'s ``verb`` helper."""
    imp = verb(
        "import", run_import, "import accounts: Google/Aegis exports, otpauth:// lines, a backup"
    )
    imp.add_argument("source", metavar="FILE|URI")
    imp.add_argument("--json", action="store_true")
    exp = verb(
        "export", run_export, "export the TOTP/HOTP accounts (aegis: plain; backup: encrypted)"
    )
    exp.add_argument("file", metavar="FILE")
    exp.add_argument("--format", choices=["aegis", "backup"], required=True)
    exp.add_argument("--force", action="store_true", help="overwrite FILE")
    exp.add_argument("--json", action="store_true")
