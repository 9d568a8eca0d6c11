"""``idp data-key status|rotate``: which stored secrets are under the current data key."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.extensions import db
from idp.security.data_key import DataKeyError, keyring_from_config
from idp.security.rotation import rotate, status

__all__ = ["data_key_group"]


@click.group("data-key")
def data_key_group() -> None:
    """Encryption at rest of TOTP seeds and realm signing keys (IDP_DATA_KEY)."""


def _emit(reports: list, as_json: bool) -> None:  # type: ignore[type-arg]
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in reports]))
        return
    for r in reports:
        click.echo(f"{r.column}: {r.total} value(s), {r.stale} not under the current key")


@data_key_group.command("status")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def data_key_status(as_json: bool) -> None:
    """Exit 0 when every value is under the current key, 1 otherwise."""
    ring = keyring_from_config(current_app.config)
    with db.engine.connect() as conn:
        reports = status(conn, ring)
    click.echo(f"current key id: {ring.kid}", err=True)
    _emit(reports, as_json)
    sys.exit(0 if all(r.stale == 0 for r in reports) else 1)


@data_key_group.command("rotate")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def data_key_rotate(as_json: bool) -> None:
    """Re-encrypt every value under IDP_DATA_KEY (old keys in IDP_DATA_KEY_PREVIOUS)."""
    ring = keyring_from_config(current_app.config)
    try:
        with db.engine.begin() as conn:
            reports = rotate(conn, ring)
    except DataKeyError as exc:
        raise click.ClickException(f"{exc} (nothing was changed)") from exc
    _emit(reports, as_json)
