"""The JSON admin API (/realms/<slug>/api/admin/v1), authenticated by admin tokens.

The same operations as the console and the CLI (``idp.admin.service``), audited with the
token's name as actor (``token:<name>``). Errors are ``{"error": code, "message": ...}`` with
a stable code. Documented by its own OpenAPI document (``/api/admin/openapi.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from spectree import Response as Resp
from spectree import SpecTree

from idp.admin import queries, service, tokens
from idp.admin.api_schemas import (
    ActionBody,
    ActionResult,
    AuditList,
    AuditQuery,
    ClientBody,
    ClientList,
    ClientReply,
    ErrorReply,
    ReasonBody,
    RemovedReply,
    UserList,
    UserQuery,
)
from idp.clock import now
from idp.extensions import csrf, db
from idp.models import AuditEvent, OidcClient, User
from idp.oidc import clients as oidc_clients
from idp.security.passwords import current_hasher
from idp.users.service import find_user
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

__all__ = ["admin_api", "bp"]

admin_api = SpecTree(
    "flask",
    title="IdP admin API",
    version="v1",
    path="api/admin",
    mode="strict",
    description=(
        "Realm administration: users, locks, devices, sessions, OpenID Connect applications, "
        "audit trail. "
        "Authorization: Bearer <admin token> (`idp admin token create REALM NAME`)."
    ),
)

bp = Blueprint("admin_api", __name__, url_prefix="/realms/<slug>/api/admin/v1")
bind_realm(bp)
csrf.exempt(bp)  # bearer tokens, no cookies

ERRORS = {"HTTP_400": ErrorReply, "HTTP_401": ErrorReply, "HTTP_404": ErrorReply}


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@bp.errorhandler(ApiError)
def _error(exc: ApiError) -> tuple[Response, int]:
    return jsonify({"error": exc.code, "message": exc.message}), exc.status


@bp.before_request
def _authenticate() -> None:
    token = tokens.authenticate(g.realm, request.headers.get("Authorization"), now=now())
    if token is None:
        raise ApiError("unauthorized", "a valid admin token of this realm is required", 401)
    db.session.commit()  # last used
    g.admin_actor = f"token:{token.name}"


def _parse(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise ApiError("invalid_request", f"{where}: {first['msg']}", 400) from None


def _user(username: str) -> User:
    user = find_user(g.realm, username)
    if user is None:
        raise ApiError("unknown_user", f"no user {username!r} in this realm", 404)
    return user


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "disabled": user.disabled_at is not None,
        "must_change_password": user.must_change_password,
        "is_admin": user.is_admin,
    }


@bp.get("/users")
@admin_api.validate(
    query=UserQuery, resp=Resp(HTTP_200=UserList, **ERRORS), tags=["users"], skip_validation=True
)
def list_users(slug: str) -> Response:
    """Search users (keyset pagination by identifier)."""
    q = _parse(UserQuery, request.args.to_dict())
    page = queries.search_users(g.realm, q.q, after=q.after, limit=q.limit)
    return jsonify({"users": [_user_json(u) for u in page.items], "next": page.next_key})


@bp.get("/users/<username>")
@admin_api.validate(resp=Resp(HTTP_200=None, **ERRORS), tags=["users"], skip_validation=True)
def get_user(slug: str, username: str) -> Response:
    """Status, locks, devices and live sessions of one user."""
    return jsonify(service.describe(_user(username), now=now()))


_ACTIONS: dict[str, Callable[..., Any]] = {
    "disable": lambda u, b, **kw: service.disable(u, **kw),
    "enable": lambda u, b, **kw: service.enable(u, **kw),
    "revoke-sessions": lambda u, b, **kw: service.revoke_sessions(u, **kw),
    "unlock": lambda u, b, **kw: service.unlock(u, kind=b.kind, **kw),
    "remove-device": lambda u, b, **kw: bool(service.remove_device(u, b.device_id, **kw)),
    "force-password-change": lambda u, b, **kw: service.force_password_change(u, **kw),
    "send-reset-link": lambda u, b, **kw: service.send_reset_link(u, **kw),
    "temporary-password": lambda u, b, **kw: service.set_temporary_password(
        u, hasher=current_hasher(), **kw
    ),
}
_STATUS = {
    "unknown_device": 404,
    "unknown_lock": 400,
    "no_password": 409,
    "no_reset_link": 409,
    "no_email": 409,
}


@bp.post("/users/<username>/<action>")
@admin_api.validate(
    json=ActionBody,
    resp=Resp(HTTP_200=ActionResult, **ERRORS),
    tags=["actions"],
    skip_validation=True,
)
def act(slug: str, username: str, action: str) -> Response:
    """disable, enable, revoke-sessions, unlock, remove-device, force-password-change,
    temporary-password, send-reset-link; each audited with the token as actor and the reason."""
    operation = _ACTIONS.get(action)
    if operation is None:
        raise ApiError("unknown_action", f"unknown action {action!r}", 404)
    body = _parse(ActionBody, request.get_json(silent=True))
    user = _user(username)
    try:
        result = operation(
            user, body, actor=g.admin_actor, reason=body.reason, now=now(), client=client_info()
        )
    except service.AdminError as exc:
        db.session.rollback()
        raise ApiError(exc.code, exc.detail, _STATUS.get(exc.code, 400)) from None
    db.session.commit()
    counted = isinstance(result, int) and not isinstance(result, bool)
    reply = ActionResult(
        user=user.username,
        action=action,
        changed=bool(result),
        count=result if counted else None,
        temporary_password=result if isinstance(result, str) else None,
    )
    return jsonify(reply.model_dump(exclude_none=True))


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError("invalid_request", f"{field}: expected YYYY-MM-DD", 400) from None


def _event_json(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "user_id": e.user_id,
        "event": e.event,
        "outcome": e.outcome,
        "ip": e.ip,
        "details": e.details or {},
    }


@bp.get("/audit")
@admin_api.validate(
    query=AuditQuery, resp=Resp(HTTP_200=AuditList, **ERRORS), tags=["audit"], skip_validation=True
)
def audit(slug: str) -> Response:
    """The realm's audit trail, newest first (keyset pagination with ``before``)."""
    q = _parse(AuditQuery, request.args.to_dict())
    since, until = _day(q.since, "since"), _day(q.until, "until")
    flt = queries.AuditFilter(
        user=q.user,
        event=q.event,
        outcome=q.outcome,
        since=datetime.combine(since, time.min, UTC) if since else None,
        until=datetime.combine(until, time.min, UTC) + timedelta(days=1) if until else None,
    )
    page = queries.audit_page(g.realm, flt, before=q.before, limit=q.limit)
    return jsonify(
        {
            "events": [_event_json(e) for e in page.items],
            "next": int(page.next_key) if page.next_key else None,
        }
    )


def _client_json(c: OidcClient, consents: int, secret: str | None = None) -> dict[str, Any]:
    reply = ClientReply(
        client_id=c.client_id,
        name=c.name,
        public=c.is_public,
        redirect_uris=list(c.redirect_uris),
        post_logout_redirect_uris=list(c.post_logout_redirect_uris),
        id_token_alg=c.id_token_alg,
        created_at=c.created_at.isoformat(),
        consents=consents,
        client_secret=secret,
    )
    return reply.model_dump(exclude_none=True)


@bp.get("/clients")
@admin_api.validate(
    resp=Resp(HTTP_200=ClientList, **ERRORS), tags=["applications"], skip_validation=True
)
def list_clients(slug: str) -> Response:
    """The realm's OpenID Connect applications (never their secrets)."""
    counts = oidc_clients.consent_counts(g.realm)
    return jsonify(
        {
            "clients": [
                _client_json(c, counts.get(c.id, 0)) for c in oidc_clients.list_clients(g.realm)
            ]
        }
    )


@bp.post("/clients")
@admin_api.validate(
    json=ClientBody,
    resp=Resp(HTTP_201=ClientReply, **ERRORS),
    tags=["applications"],
    skip_validation=True,
)
def add_client(slug: str) -> tuple[Response, int]:
    """Register an application; a confidential client's secret is in this answer only."""
    body = _parse(ClientBody, request.get_json(silent=True))
    try:
        done = oidc_clients.register_client(
            g.realm,
            body.name,
            redirect_uris=body.redirect_uris,
            post_logout_redirect_uris=body.post_logout_redirect_uris,
            public=body.public,
            id_token_alg=body.id_token_alg,
            now=now(),
            actor=g.admin_actor,
            reason=body.reason,
            client_info=client_info(),
        )
    except oidc_clients.InvalidClientMetadata as exc:
        db.session.rollback()
        raise ApiError(exc.code, exc.detail, 400) from None
    db.session.commit()
    return jsonify(_client_json(done.client, 0, done.secret)), 201


@bp.delete("/clients/<client_id>")
@admin_api.validate(
    json=ReasonBody,
    resp=Resp(HTTP_200=RemovedReply, **ERRORS),
    tags=["applications"],
    skip_validation=True,
)
def remove_client(slug: str, client_id: str) -> Response:
    """Remove an application with its codes, tokens and consents (audited with the reason)."""
    body = _parse(ReasonBody, request.get_json(silent=True))
    try:
        oidc_clients.remove_client(
            g.realm,
            client_id[:64],
            now=now(),
            actor=g.admin_actor,
            reason=body.reason,
            client_info=client_info(),
        )
    except oidc_clients.ClientNotFound as exc:
        raise ApiError(exc.code, exc.detail, 404) from None
    db.session.commit()
    return jsonify(RemovedReply(client_id=client_id, removed=True).model_dump())
