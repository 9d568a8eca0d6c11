"""``idp admin grant|revoke`` and the account verbs of ``idp user`` (show, disable, enable,
unlock, remove-device, revoke-sessions, reset). Exit 0 only when the verb did what it says;
2 for a refused input, 1 when there was nothing to do (already disabled, already an admin...).
The same operations as the admin console and the admin API (``idp.admin.service``)."""

from __future__ import annotations

import functools
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
        result = operation(user, actor="cli", reason=reason, now=now())
    except AdminError as exc:
        db.session.rollback()
        _fail(exc.code, str(exc), as_json)
    db.session.commit()
    from idp.mail.deferred import flush

    flush()  # mail about the change (a reset link) leaves once it is committed
    counted = isinstance(result, int) and not isinstance(result, bool)
    done = bool(result) or counted
    payload: dict[str, Any] = {
        "realm": realm,
        "user": user.username,
        "verb": verb,
        "changed": bool(result),
    }
    if counted:
        payload["count"] = result
    if isinstance(result, str):  # a temporary password: printed once, never logged
        payload["temporary_password"] = result
    if as_json:
        click.echo(json.dumps(payload, sort_keys=True))
    elif counted:
        click.echo(f"{user.username}: {verb}: {result}")
    elif isinstance(result, str):
        click.echo(f"{user.username}: temporary password (to be changed at next sign-in): {result}")
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

    @group.command("unlock")
    @click.argument("realm")
    @click.argument("username")
    @click.option(
        "--kind",
        type=click.Choice(["all", "captcha", "secret", "push_report"]),
        default="all",
        show_default=True,
        help="captcha lock, joker (secret question) lock, or the « Non, ce n'est pas moi » block.",
    )
    @_REASON
    @_JSON
    @with_appcontext
    def user_unlock(realm: str, username: str, kind: str, reason: str, as_json: bool) -> None:
        """Lift USERNAME's recovery locks (prints how many were lifted)."""
        from idp.admin.service import unlock

        operation = functools.partial(unlock, kind=kind)
        _run(realm, username, operation, reason=reason, as_json=as_json, verb="unlock")

    @group.command("remove-device")
    @click.argument("realm")
    @click.argument("username")
    @click.argument("device_id")
    @_REASON
    @_JSON
    @with_appcontext
    def user_remove_device(
        realm: str, username: str, device_id: str, reason: str, as_json: bool
    ) -> None:
        """Remove DEVICE_ID (see `idp user show`) from USERNAME: a lost phone."""
        from idp.admin.service import remove_device

        def operation(user: Any, **kw: Any) -> bool:
            return bool(remove_device(user, device_id, **kw))

        _run(realm, username, operation, reason=reason, as_json=as_json, verb="remove-device")

    @group.command("reset")
    @click.argument("realm")
    @click.argument("username")
    @click.option(
        "--temporary-password",
        "temporary",
        is_flag=True,
        help="set a random password (printed once) to be changed at the next sign-in.",
    )
    @click.option(
        "--force-change",
        is_flag=True,
        help="keep the password but require a change at the next sign-in.",
    )
    @click.option(
        "--send-link",
        is_flag=True,
        help="mail the account a reset link (realms whose recovery mails links).",
    )
    @_REASON
    @_JSON
    @with_appcontext
    def user_reset(
        realm: str,
        username: str,
        *,
        temporary: bool,
        force_change: bool,
        send_link: bool,
        reason: str,
        as_json: bool,
    ) -> None:
        """Reset USERNAME's password: --temporary-password, --force-change or --send-link."""
        from idp.admin.service import (
            force_password_change,
            send_reset_link,
            set_temporary_password,
        )
        from idp.security.passwords import current_hasher

        if [temporary, force_change, send_link].count(True) != 1:
            _fail(
                "usage",
                "give exactly one of --temporary-password, --force-change and --send-link",
                as_json,
            )
        operation: Callable[..., Any] = force_password_change
        if temporary:
            operation = functools.partial(set_temporary_password, hasher=current_hasher())
        elif send_link:
            operation = send_reset_link
        _run(realm, username, operation, reason=reason, as_json=as_json, verb="reset")

    @group.command("show")
    @click.argument("realm")
    @click.argument("username")
    @_JSON
    @with_appcontext
    def user_show(realm: str, username: str, as_json: bool) -> None:
        """Status, locks, devices and live sessions of USERNAME."""
        from idp.admin.service import AdminError, describe, find_target
        from idp.clock import now

        try:
            _realm, user = find_target(realm, username)
        except AdminError as exc:
            _fail(exc.code, str(exc), as_json)
        info = describe(user, now=now())
        if as_json:
            click.echo(json.dumps(info, sort_keys=True, ensure_ascii=False))
            return
        for key, value in info.items():
            click.echo(f"{key:<22} {json.dumps(value, ensure_ascii=False)}")


@admin_group.group("token")
def token_group() -> None:
    """Bearer tokens of the JSON admin API (/realms/<slug>/api/admin/v1)."""


def _realm_or_fail(realm_slug: str, as_json: bool) -> Any:
    from idp.realms.store import get_realm

    realm = get_realm(realm_slug)
    if realm is None:
        _fail("unknown_realm", f"unknown realm {realm_slug!r} (see `idp realm list`)", as_json)
    return realm


@token_group.command("create")
@click.argument("realm")
@click.argument("name")
@click.option(
    "--days",
    type=click.IntRange(0, 3650),
    default=90,
    show_default=True,
    help="lifetime; 0 = no expiry.",
)
@_JSON
@with_appcontext
def token_create(realm: str, name: str, days: int, as_json: bool) -> None:
    """Issue an admin token for REALM; it is printed once, only its hash is kept."""
    from idp.admin.tokens import issue
    from idp.audit.service import record
    from idp.clock import now
    from idp.extensions import db

    target = _realm_or_fail(realm, as_json)
    if not name.strip() or len(name) > 120:
        _fail("invalid_name", "name: 1 to 120 characters", as_json)
    row, token = issue(target, name.strip(), now=now(), days=days or None)
    record(
        "admin_token_created",
        "success",
        now=now(),
        realm=realm,
        actor="cli",
        details={"token_id": row.id, "name": row.name},
    )
    db.session.commit()
    expires = row.expires_at.isoformat() if row.expires_at else None
    if as_json:
        click.echo(
            json.dumps({"id": row.id, "name": row.name, "token": token, "expires_at": expires})
        )
    else:
        click.echo(f"token {row.id} ({row.name}), expires {expires or 'never'}:\n{token}")


@token_group.command("list")
@click.argument("realm")
@_JSON
@with_appcontext
def token_list(realm: str, as_json: bool) -> None:
    """The admin tokens of REALM (never the tokens themselves)."""
    from sqlalchemy import select

    from idp.extensions import db
    from idp.models import AdminToken

    target = _realm_or_fail(realm, as_json)
    rows = db.session.scalars(
        select(AdminToken).where(AdminToken.realm_id == target.id).order_by(AdminToken.id)
    )
    for row in rows:
        item = {
            "id": row.id,
            "name": row.name,
            "created_at": row.created_at.isoformat(),
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
            "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
            "revoked": row.revoked_at is not None,
        }
        click.echo(json.dumps(item) if as_json else "  ".join(f"{k}={v}" for k, v in item.items()))


@token_group.command("revoke")
@click.argument("realm")
@click.argument("token_id", type=int)
@_JSON
@with_appcontext
def token_revoke(realm: str, token_id: int, as_json: bool) -> None:
    """Revoke admin token TOKEN_ID of REALM (exit 1 when it was not live)."""
    from idp.admin.tokens import revoke
    from idp.audit.service import record
    from idp.clock import now
    from idp.extensions import db

    target = _realm_or_fail(realm, as_json)
    done = revoke(target, token_id, now=now())
    if done:
        record(
            "admin_token_revoked",
            "success",
            now=now(),
            realm=realm,
            actor="cli",
            details={"token_id": token_id},
        )
    db.session.commit()
    click.echo(
        json.dumps({"id": token_id, "revoked": done})
        if as_json
        else f"token {token_id}: {'revoked' if done else 'not a live token of this realm'}"
    )
    if not done:
        sys.exit(1)


@admin_group.command("purge-sessions")
@click.option(
    "--days",
    type=click.IntRange(31, 3650),
    default=90,
    show_default=True,
    help="delete session records ended or idle for longer than this.",
)
@_JSON
@with_appcontext
def purge_sessions(days: int, as_json: bool) -> None:
    """Delete old browser-session records (the audit trail keeps the events)."""
    from datetime import timedelta

    from idp.auth.sessions import purge
    from idp.clock import now
    from idp.extensions import db

    count = purge(now=now(), older_than=timedelta(days=days))
    db.session.commit()
    click.echo(json.dumps({"deleted": count}) if as_json else f"{count} session record(s) deleted")
