"""``idp client add|list|remove``: relying parties of a realm (DESIGN.md §4)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from idp.oidc.clients import ID_TOKEN_ALGS

__all__ = ["client_group"]


def _realm(slug: str) -> Any:
    from flask_migrate import upgrade

    from idp.realms.store import get_realm

    upgrade()
    realm = get_realm(slug)
    if realm is None:
        click.echo(f"error: realm: unknown realm {slug!r}", err=True)
        sys.exit(2)
    return realm


@click.group("client")
def client_group() -> None:
    """OpenID Connect relying parties (applications) of a realm."""


@client_group.command("add")
@click.argument("realm")
@click.argument("name")
@click.option(
    "--redirect-uri",
    "redirect_uris",
    multiple=True,
    required=True,
    help="exact callback URL (repeatable); https, or http on loopback.",
)
@click.option(
    "--post-logout-redirect-uri",
    "logout_uris",
    multiple=True,
    help="where end-session may send the browser back (repeatable).",
)
@click.option("--public", is_flag=True, help="no secret (SPA / native app): PKCE S256 required.")
@click.option(
    "--id-token-alg", type=click.Choice(ID_TOKEN_ALGS), default="ES256", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="print client_id (and client_secret).")
@with_appcontext
def client_add(
    realm: str,
    name: str,
    redirect_uris: tuple[str, ...],
    logout_uris: tuple[str, ...],
    public: bool,
    id_token_alg: str,
    as_json: bool,
) -> None:
    """Register NAME in REALM; a confidential client's secret is printed once, never again."""
    from idp.clock import now
    from idp.extensions import db
    from idp.oidc.clients import InvalidClientMetadata, register_client

    realm_row = _realm(realm)
    try:
        done = register_client(
            realm_row,
            name,
            redirect_uris=redirect_uris,
            post_logout_redirect_uris=logout_uris,
            public=public,
            id_token_alg=id_token_alg,
            now=now(),
        )
    except InvalidClientMetadata as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)
    db.session.commit()
    issuer = f"{current_app.config['BASE_URL']}/realms/{realm_row.slug}"
    if as_json:
        out: dict[str, Any] = {"client_id": done.client.client_id, "issuer": issuer}
        if done.secret is not None:
            out["client_secret"] = done.secret
        click.echo(json.dumps(out))
        return
    click.echo(f"client_id:     {done.client.client_id}")
    if done.secret is not None:
        click.echo(f"client_secret: {done.secret}")
        click.echo("(the secret is shown once: only its hash is kept)")
    click.echo(f"issuer:        {issuer}")


@client_group.command("list")
@click.argument("realm")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def client_list(realm: str, as_json: bool) -> None:
    """List REALM's clients (never their secrets)."""
    from idp.oidc.clients import list_clients

    for c in list_clients(_realm(realm)):
        row = {
            "client_id": c.client_id,
            "name": c.name,
            "public": c.is_public,
            "redirect_uris": list(c.redirect_uris),
            "post_logout_redirect_uris": list(c.post_logout_redirect_uris),
            "id_token_alg": c.id_token_alg,
        }
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            kind = "public" if c.is_public else "confidential"
            click.echo(f"{c.client_id}\t{c.name}\t{kind}\t{' '.join(c.redirect_uris)}")


@client_group.command("remove")
@click.argument("realm")
@click.argument("client_id")
@click.option("--reason", default="", help="why (kept in the audit trail).")
@with_appcontext
def client_remove(realm: str, client_id: str, reason: str) -> None:
    """Remove CLIENT_ID from REALM with its codes, tokens and consents."""
    from idp.clock import now
    from idp.extensions import db
    from idp.oidc.clients import ClientNotFound, remove_client

    if len(reason) > 200:
        click.echo("error: --reason is longer than 200 characters", err=True)
        sys.exit(2)
    try:
        remove_client(_realm(realm), client_id, now=now(), actor="cli", reason=reason)
    except ClientNotFound as exc:
        click.echo(f"error: {exc.detail}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"removed {client_id}")
