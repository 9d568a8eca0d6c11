"""``idp admin grant|revoke`` and the account verbs of ``idp user`` (disable, enable,
revoke-sessions). Exit 0 only when the verb did what it says; 2 for a refused input, 1 when
there was nothing to do (already disabled, already an admin...)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext

__all__ = ["admin_group", "register_user_commands"]

_REASON = click.option(
    "--reason", default="", help="why (kept in the audit trail with the actor and the target)."
)
_JSON = click.option("--json", "as_json", is_flag=True, help="print a JSON object.")


def _run(
    realm: str,
    username: str,
    operation: Callable[..., Any],
    *,
    reason: str,
    as_json: bool,
    verb: str,
) -> None:
    from idp.admin.service import AdminError, find_target
    from idp.clock import now
    from idp.extensions import db

    try:
        _realm, user = find_target(realm, username)
    except AdminError as exc:
        _fail(exc.code, str(exc), as_json)
    result = operation(user, actor="cli", reason=reason, now=now())
    db.session.commit()
    done = bool(result) or verb == "revoke-sessions"
    payload = {"realm": realm, "user": user.username, "verb": verb, "changed": bool(result)}
    if isinstance(result, int) and not isinstance(result, bool):
        payload["count"] = result
    if as_json:
        click.echo(json.dumps(payload, sort_keys=True))
    elif verb == "revoke-sessions":
        click.echo(f"{user.username}: {result} session(s) ended")
    else:
        click.echo(f"{user.username}: {verb} {'done' if result else 'had nothing to do'}")
    if not done:
        sys.exit(1)


def _fail(code: str, message: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"error": code, "message": message}), err=True)
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group("admin")
def admin_group() -> None:
    """Realm administrators (who may open /realms/<slug>/admin/)."""


@admin_group.command("grant")
@click.argument("realm")
@click.argument("username")
@_REASON
@_JSON
@with_appcontext
def admin_grant(realm: str, username: str, reason: str, as_json: bool) -> None:
    """Make USERNAME an administrator of REALM (their sessions end: sign in again)."""
    from idp.admin.service import grant_admin

    _run(realm, username, grant_admin, reason=reason, as_json=as_json, verb="grant")


@admin_group.command("revoke")
@click.argument("realm")
@click.argument("username")
@_REASON
@_JSON
@with_appcontext
def admin_revoke(realm: str, username: str, reason: str, as_json: bool) -> None:
    """Take the administrator role of REALM away from USERNAME."""
    from idp.admin.service import revoke_admin

    _run(realm, username, revoke_admin, reason=reason, as_json=as_json, verb="revoke")


def register_user_commands(group: click.Group) -> None:
    @group.command("disable")
    @click.argument("realm")
    @click.argument("username")
    @_REASON
    @_JSON
    @with_appcontext
    def user_disable(realm: str, username: str, reason: str, as_json: bool) -> None:
        """Disable USERNAME: no sign-in, no recovery, every session ended."""
        from idp.admin.service import disable

        _run(realm, username, disable, reason=reason, as_json=as_json, verb="disable")

    @group.command("enable")
    @click.argument("realm")
    @click.argument("username")
    @_REASON
    @_JSON
    @with_appcontext
    def user_enable(realm: str, username: str, reason: str, as_json: bool) -> None:
        """Enable a disabled USERNAME again."""
        from idp.admin.service import enable

        _run(realm, username, enable, reason=reason, as_json=as_json, verb="enable")

    @group.command("revoke-sessions")
    @click.argument("realm")
    @click.argument("username")
    @_REASON
    @_JSON
    @with_appcontext
    def user_revoke_sessions(realm: str, username: str, reason: str, as_json: bool) -> None:
        """End every browser session of USERNAME, on every instance."""
        from idp.admin.service import revoke_sessions

        _run(
            realm,
            username,
            revoke_sessions,
            reason=reason,
            as_json=as_json,
            verb="revoke-sessions",
        )
