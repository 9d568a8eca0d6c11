"""The ``idp`` command (DESIGN.md §4). Flask's own commands (``idp db ...``) come along."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from idp import create_app
from idp.config import ConfigError, is_loopback

__all__ = ["main"]


SECRET_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


def instance_secret() -> dict[str, str]:
    """The key ``./scripts/demo`` keeps in ``<instance>/secret_key``, when IDP_SECRET_KEY is unset.

    So that ``idp audit`` (or any command run next to a demo, in another shell) opens the
    demo's database with the demo's key instead of failing. ``idp serve`` never uses it: a
    served IdP gets its key from the environment, or refuses to start.
    """
    if os.environ.get("IDP_SECRET_KEY"):
        return {}
    instance = os.environ.get("IDP_INSTANCE_PATH") or Flask("idp").instance_path
    path = Path(instance) / SECRET_FILE
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError:
        return {}
    return {"SECRET_KEY": key} if key else {}


def _app_factory(*, serving: bool = False) -> Flask:
    try:
        return create_app(None if serving else (instance_secret() or None))
    except ConfigError as exc:
        # NoAppException: ``idp --help`` then says what is missing instead of a traceback.
        raise NoAppException(str(exc)) from exc


@click.group(
    cls=FlaskGroup,
    create_app=_app_factory,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def cli() -> None:
    """Identity provider: realms, users, self-service password reset, push MFA."""


def main() -> None:
    cli.main(prog_name="idp")


def _migrate() -> None:
    from flask_migrate import upgrade

    upgrade()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(1, 64),
    show_default=True,
    help="gunicorn worker processes (use PostgreSQL and Redis for more than one).",
)
@click.option(
    "--worker-connections",
    default=4000,
    type=click.IntRange(10, 100000),
    show_default=True,
    help="concurrent connections per gevent worker (SSE streams).",
)
@click.option("--debug", is_flag=True, help="werkzeug's debug server instead of gunicorn.")
@click.option("--access-log", is_flag=True, help="log every request to stdout.")
@click.option("--no-migrate", is_flag=True, help="do not upgrade the database schema first.")
def serve(
    host: str,
    port: int,
    workers: int,
    worker_connections: int,
    debug: bool,
    access_log: bool,
    no_migrate: bool,
) -> None:
    """Serve the IdP on HOST:PORT."""
    from idp.serve import InstanceBusy, claim_sqlite_database, exec_gunicorn, gunicorn_argv

    os.environ["IDP_BIND_HOST"] = host
    if debug:
        os.environ["IDP_DEBUG_SERVER"] = "1"
        if not is_loopback(host):
            raise click.ClickException("--debug is only allowed on a loopback address.")
    app = _app_factory(serving=True)
    _check_workers(app.config, workers)
    try:
        claim_sqlite_database(
            str(app.config["SQLALCHEMY_DATABASE_URI"]), shared=bool(app.config.get("REDIS_URL"))
        )
    except InstanceBusy as exc:
        raise click.ClickException(str(exc)) from None
    if not no_migrate:
        with app.app_context():
            _migrate()
    click.echo(
        f"IdP listening on http://{host}:{port}/ (test mode: "
        f"{'on' if app.config['TEST_MODE'] else 'off'})"
    )
    if debug:
        app.run(host=host, port=port, debug=True, use_reloader=False)
        return
    argv = gunicorn_argv(
        host, port, workers=workers, worker_connections=worker_connections, access_log=access_log
    )
    exec_gunicorn(argv, dict(os.environ))


def _check_workers(config: Any, workers: int) -> None:
    """Several workers share state through the database (a SQLite file or PostgreSQL) and
    Redis: refuse them otherwise."""
    if workers <= 1:
        return
    if not config.get("REDIS_URL"):
        raise click.ClickException(
            f"--workers {workers} needs IDP_REDIS_URL: without Redis, push events, token "
            "replay protection and rate limits live in one process, and a device whose stream "
            "is held by another worker would miss its challenges. Set IDP_REDIS_URL=redis://... "
            "or serve with --workers 1."
        )
    from idp.serve import sqlite_file

    uri = str(config["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("sqlite") and sqlite_file(uri) is None:
        raise click.ClickException(
            f"--workers {workers} needs a database the processes share: an in-memory SQLite "
            "database exists once per process. Use a file (IDP_DATABASE_URL=sqlite:///path) "
            "or PostgreSQL."
        )


@cli.command("init-demo")
@with_appcontext
def init_demo() -> None:
    """Migrate the database and load the four realm presets with their demo users (idempotent)."""
    from idp.demo import load_demo

    _migrate()
    for line in load_demo():
        click.echo(line)


@cli.group("realm")
def realm_group() -> None:
    """Realm presets."""


@realm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--with-demo-users", is_flag=True, help="also create the preset's demo users.")
@with_appcontext
def realm_import(file: Path, with_demo_users: bool) -> None:
    """Validate a preset (every error, with its line and field) and import it."""
    from idp.demo import import_file
    from idp.realms.preset import PresetError

    _migrate()
    try:
        message = import_file(file, with_demo_users=with_demo_users)
    except PresetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from exc
    click.echo(message)


@realm_group.command("list")
@with_appcontext
def realm_list() -> None:
    """List the realms in the database."""
    from idp.realms.store import all_realms

    for realm in all_realms():
        click.echo(f"{realm.slug}\t{realm.display_name}")


@cli.group("user")
def user_group() -> None:
    """Accounts."""


@user_group.command("create")
@click.argument("realm")
@click.argument("username")
@click.option("--password", required=True, help="initial password (argon2id-hashed).")
@click.option("--email", default=None)
@click.option("--display-name", default=None)
@click.option("--language", type=click.Choice(["fr", "en"]), default=None)
@click.option(
    "--attr",
    "attrs",
    multiple=True,
    metavar="KEY=VALUE",
    help="identity attribute (first_name, birth_date, ine, secret_answer...).",
)
@with_appcontext
def user_create(
    realm: str,
    username: str,
    password: str,
    email: str | None,
    display_name: str | None,
    language: str | None,
    attrs: tuple[str, ...],
) -> None:
    """Create USERNAME in REALM."""
    from idp.users.admin import UserCreateError, create_from_cli

    _migrate()
    try:
        click.echo(
            create_from_cli(
                realm,
                username,
                password=password,
                email=email,
                display_name=display_name,
                language=language,
                attrs=attrs,
            )
        )
    except UserCreateError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@cli.command("audit")
@click.option("--realm", default=None)
@click.option("--event", default=None)
@click.option("--limit", default=200, type=click.IntRange(1, 100000), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line.")
@with_appcontext
def audit(realm: str | None, event: str | None, limit: int, as_json: bool) -> None:
    """Show the audit trail, oldest first."""
    from idp.audit.service import query

    for row in query(realm=realm, event=event, limit=limit):
        if as_json:
            click.echo(json.dumps(row.as_json(), ensure_ascii=False, sort_keys=True))
        else:
            extra = " ".join(f"{k}={v}" for k, v in sorted(row.details.items()))
            click.echo(
                f"{row.at.isoformat(timespec='seconds')}  {row.realm or '-':<20} "
                f"{row.event:<24} {row.outcome:<10} {row.actor or '-':<24} "
                f"{row.ip or '-'} {extra}".rstrip()
            )


@cli.group("device")
def device_group() -> None:
    """Authenticator devices."""


@device_group.command("enroll-uri")
@click.argument("realm")
@click.argument("username")
@click.option("--qr", is_flag=True, help="also draw the QR code in the terminal.")
@with_appcontext
def device_enroll_uri(realm: str, username: str, qr: bool) -> None:
    """Print a one-time enrollment URI for USERNAME (for `authenticator add URI`)."""
    from flask import current_app

    from idp.clock import now
    from idp.extensions import db
    from idp.push.enrollment import create_offer
    from idp.realms.store import get_realm, preset_of
    from idp.users.service import find_user

    _migrate()
    realm_row = get_realm(realm)
    if realm_row is None:
        click.echo(f"error: realm: unknown realm {realm!r}", err=True)
        sys.exit(2)
    if not preset_of(realm_row).push.enabled:
        click.echo(f"error: realm {realm!r} does not use push authentication", err=True)
        sys.exit(2)
    user = find_user(realm_row, username)
    if user is None:
        click.echo(f"error: username: no user {username!r} in realm {realm!r}", err=True)
        sys.exit(2)
    issued = create_offer(user, base_url=current_app.config["BASE_URL"], now=now())
    db.session.commit()
    click.echo(issued.uri)
    if qr:
        import segno

        segno.make(issued.uri, error="m").terminal(compact=True)


@cli.group("policy")
def policy_group() -> None:
    """Password policies."""


@policy_group.command("explain")
@click.argument("realm")
@click.argument("password")
@click.option("--user", "username", default=None, help="check login, names and history too.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def policy_explain(
    realm: str, password: str, username: str | None, lang: str, as_json: bool
) -> None:
    """Which rules of REALM's policy PASSWORD passes and fails (exit 1 if any fails)."""
    from flask_babel import force_locale

    from idp.policy import explain
    from idp.policy.messages import rule_message, violation_message
    from idp.realms.store import get_realm, preset_of
    from idp.security.passwords import current_hasher
    from idp.users.password_change import names_of, previous_hashes
    from idp.users.service import find_user

    realm_row = get_realm(realm)
    if realm_row is None:
        click.echo(f"error: realm: unknown realm {realm!r}", err=True)
        sys.exit(2)
    policy = preset_of(realm_row).password_policy
    user = find_user(realm_row, username) if username else None
    if username and user is None:
        click.echo(f"error: --user: no user {username!r} in realm {realm!r}", err=True)
        sys.exit(2)
    outcomes = explain(
        password,
        policy,
        login=user.username if user else None,
        names=names_of(user) if user else (),
        previous_hashes=previous_hashes(user, policy) if user else (),
        verify_hash=current_hasher().verify,
    )
    with force_locale(lang):
        rows: list[dict[str, Any]] = [
            {
                "rule": o.rule.code,
                "passed": o.passed,
                "text": str(rule_message(o.rule)),
                "violations": [
                    {"code": v.code.value, "text": str(violation_message(v))} for v in o.violations
                ],
            }
            for o in outcomes
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            mark = "PASS" if row["passed"] else "FAIL"
            click.echo(f"{mark}  {row['text']}")
            for violation in row["violations"]:
                click.echo(f"      - {violation['code']}: {violation['text']}")
    sys.exit(0 if all(r["passed"] for r in rows) else 1)


def _add_groups() -> None:
    from idp.admin.cli import admin_group, register_user_commands
    from idp.oidc.cli import client_group

    cli.add_command(client_group)
    cli.add_command(admin_group)
    register_user_commands(user_group)


_add_groups()
# TOTP seeds and realm signing keys encrypted at rest (issue 16).
from idp.security.data_key_cli import data_key_group  # noqa: E402

cli.add_command(data_key_group)
# The trace inspector (issue 19).
from idp.trace.cli import trace_command  # noqa: E402

cli.add_command(trace_command)
# Research simulations (issue 19): the command imports the lab package only when it runs.
from idp.simulate_cli import simulate_group  # noqa: E402

cli.add_command(simulate_group)
# The recovery-policy analyzer (issue 19): ``idp realm analyze``.
from idp.analysis.cli import analyze_command  # noqa: E402

realm_group.add_command(analyze_command)
