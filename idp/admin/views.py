"""The realm admin console (/realms/<slug>/admin/): users, their locks, devices and
sessions, and the audit trail. Every action goes through ``idp.admin.service`` (audited with
actor, target and reason), as the CLI and the JSON admin API do."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from idp.admin import locks, queries, reset_link, service
from idp.admin.access import admin_required
from idp.admin.forms import ActionForm, AuditFilterForm, SearchForm
from idp.audit.labels import EVENT_LABELS, event_label, outcome_label
from idp.auth import sessions
from idp.clock import now
from idp.extensions import db
from idp.models import AuditEvent, User
from idp.push.challenges import active_devices
from idp.push.context import describe_browser
from idp.security.passwords import current_hasher
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

bp = Blueprint("admin", __name__, url_prefix="/realms/<slug>/admin")


@bp.context_processor
def _audit_words() -> dict[str, Any]:
    return {
        "event_label": event_label,
        "outcome_label": outcome_label,
        "audit_events": EVENT_LABELS,
    }


bind_realm(bp)

__all__ = ["ACTIONS", "bp"]


def _target(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.realm_id != g.realm.id:
        abort(404)
    return user


@bp.get("/")
@admin_required
def users(slug: str) -> str:
    form = SearchForm(request.args)
    q = (form.q.data or "") if form.validate() else ""
    page = queries.search_users(g.realm, q, after=(request.args.get("after") or "")[:120])
    return render_template("admin/users.html", form=form, page=page, q=q)


@bp.get("/users/<int:user_id>")
@admin_required
def user(slug: str, user_id: int) -> str:
    target = _target(user_id)
    at = now()
    return render_template(
        "admin/user.html",
        target=target,
        locks=locks.active_locks(target, g.preset, now=at),
        mails_links=reset_link.mails_links(target),
        devices=active_devices(target),
        sessions=sessions.list_for_user(target, settings=g.preset.sessions, now=at),
        audit=queries.audit_page(g.realm, queries.AuditFilter(user=target.username), limit=20),
        form=ActionForm(),
        describe_browser=describe_browser,
    )


def _temporary(target: User, **kw: Any) -> str:
    return service.set_temporary_password(target, hasher=current_hasher(), **kw)


_LABELS = {
    "disable": _l("Désactiver le compte"),
    "enable": _l("Réactiver le compte"),
    "revoke-sessions": _l("Fermer toutes les sessions"),
    "unlock": _l("Déverrouiller"),
    "remove-device": _l("Supprimer l'appareil"),
    "force-password-change": _l("Exiger un changement de mot de passe"),
    "temporary-password": _l("Définir un mot de passe temporaire"),
    "send-reset-link": _l("Envoyer un lien de réinitialisation"),
    "grant-admin": _l("Donner le rôle d'administrateur"),
    "revoke-admin": _l("Retirer le rôle d'administrateur"),
}

# URL action -> service call (target user, the form's ``target`` field, keyword arguments).
ACTIONS: dict[str, Callable[..., Any]] = {
    "disable": lambda t, target, **kw: service.disable(t, **kw),
    "enable": lambda t, target, **kw: service.enable(t, **kw),
    "revoke-sessions": lambda t, target, **kw: service.revoke_sessions(t, **kw),
    "unlock": lambda t, target, **kw: service.unlock(t, kind=target or "all", **kw),
    "remove-device": service.remove_device,
    "force-password-change": lambda t, target, **kw: service.force_password_change(t, **kw),
    "temporary-password": lambda t, target, **kw: _temporary(t, **kw),
    "send-reset-link": lambda t, target, **kw: service.send_reset_link(t, **kw),
    "grant-admin": lambda t, target, **kw: service.grant_admin(t, **kw),
    "revoke-admin": lambda t, target, **kw: service.revoke_admin(t, **kw),
}


@bp.post("/users/<int:user_id>/<action>")
@admin_required
def act(slug: str, user_id: int, action: str) -> BaseResponse | str:
    operation = ACTIONS.get(action)
    if operation is None:
        abort(404)
    target = _target(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(str(message), "error")
        return redirect(url_for("admin.user", user_id=target.id))
    try:
        result = operation(
            target,
            form.target.data or "",
            actor=g.admin.username,
            reason=form.reason.data or "",
            now=now(),
            client=client_info(),
        )
    except service.AdminError as exc:
        flash(_("Action refusée : %(detail)s", detail=exc.detail), "error")
        return redirect(url_for("admin.user", user_id=target.id))
    db.session.commit()
    if action == "temporary-password":
        return render_template("admin/temporary_password.html", target=target, password=result)
    flash(_("Action effectuée : %(action)s.", action=_LABELS[action]), "info")
    return redirect(url_for("admin.user", user_id=target.id))


def _filter(form: AuditFilterForm) -> queries.AuditFilter:
    if not form.validate():
        return queries.AuditFilter()
    since = datetime.combine(form.since.data, time.min, UTC) if form.since.data else None
    until = (
        datetime.combine(form.until.data, time.min, UTC) + timedelta(days=1)
        if form.until.data
        else None
    )
    return queries.AuditFilter(
        user=(form.user.data or "").strip(),
        event=(form.event.data or "").strip(),
        outcome=form.outcome.data or "",
        since=since,
        until=until,
    )


@bp.get("/audit")
@admin_required
def audit(slug: str) -> str:
    form = AuditFilterForm(request.args)
    flt = _filter(form)
    before = request.args.get("before", "")
    page = queries.audit_page(g.realm, flt, before=int(before) if before.isdigit() else None)
    return render_template("admin/audit.html", form=form, page=page, flt=flt)


_COLUMNS = ["id", "at", "actor", "user_id", "event", "outcome", "ip", "user_agent", "details"]


def _row(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "user_id": e.user_id,
        "event": e.event,
        "outcome": e.outcome,
        "ip": e.ip,
        "user_agent": e.user_agent,
        "details": e.details or {},
    }


def _cell(value: Any) -> Any:
    # An identifier typed at sign-in lands here: never let a spreadsheet run it as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/audit.<fmt>")
@admin_required
def audit_export(slug: str, fmt: str) -> Response:
    if fmt not in ("csv", "json"):
        abort(404)
    rows = [_row(e) for e in queries.audit_rows(g.realm, _filter(AuditFilterForm(request.args)))]
    name = f"audit-{g.realm.slug}-{now().strftime('%Y%m%dT%H%M%SZ')}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False, indent=1)
        return Response(body, mimetype="application/json", headers=headers)
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=[
            "id",
            "at",
            "actor",
            "user_id",
            "event",
            "outcome",
            "ip",
            "user_agent",
            "details",
        ],
    )
    writer.writeheader()
    for row in rows:
        cells = {**row, "details": json.dumps(row["details"], ensure_ascii=False)}
        writer.writerow({k: _cell(v) for k, v in cells.items()})
    return Response(out.getvalue(), mimetype="text/csv", headers=headers)
