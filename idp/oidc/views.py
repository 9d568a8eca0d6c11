"""OpenID Provider endpoints of a realm: discovery, JWKS, authorize, token, userinfo,
revocation, RP-initiated logout, and the user's list of applications allowed (consents)."""

from __future__ import annotations

from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from idp.auth import step_up
from idp.auth.session import current_user, end_session, login_required, session_auth
from idp.clock import now
from idp.extensions import csrf, db, limiter
from idp.mfa.errors import SecondFactorLocked
from idp.models import User
from idp.oidc import service
from idp.oidc.continuation import allow_form_action, continuation, redirect_origin
from idp.oidc.discovery import provider_metadata
from idp.oidc.keys import published_jwks
from idp.oidc.server import server
from idp.push.errors import NoDevice, PushRateLimited
from idp.web.client import client_info
from idp.web.durations import minutes_left
from idp.web.realm_context import bind_realm

bp = Blueprint("oidc", __name__, url_prefix="/realms/<slug>")
bind_realm(bp)

__all__ = ["bp"]


def _public_json(data: dict[str, Any]) -> Response:
    resp = jsonify(data)
    # Public metadata: browsers' single-page applications may read it.
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/.well-known/openid-configuration")
def discovery(slug: str) -> Response:
    return _public_json(provider_metadata())


@bp.get("/oidc/jwks")
def jwks(slug: str) -> Response:
    return _public_json(published_jwks(g.realm))


def _authorize_error(error: OAuth2Error) -> Response | tuple[str, int]:
    if error.redirect_uri:
        # The client and its redirect URI are known good: the error goes back to it.
        return server.handle_error_response(None, error)  # type: ignore[no-any-return]
    # Unknown client or unregistered redirect URI: never redirect there (RFC 6749 §4.1.2.1).
    return render_template(
        "oidc/error.html", error=error.error, description=error.get_error_description()
    ), 400


def _apply_ui_locales() -> None:
    for tag in (request.args.get("ui_locales") or "").split():
        lang = tag.split("-")[0].lower()
        if lang in g.realm_languages:
            session["lang"] = lang
            return


@bp.route("/oidc/authorize", methods=["GET", "POST"])
def authorize(slug: str) -> Response | tuple[str, int] | str:
    _apply_ui_locales()
    user = current_user(g.realm)
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return _authorize_error(error)
    try:
        return _authorize(grant, user)
    except OAuth2Error as error:
        # Past client and redirect URI checks: every error goes back to the application.
        error.redirect_uri = error.redirect_uri or grant.redirect_uri
        error.state = grant.request.payload.state
        db.session.commit()
        return _authorize_error(error)


def _decide(grant: Any, user: User | None) -> service.Decision:
    return service.decide(
        grant.request.payload.data,
        user=user,
        auth=session_auth(g.realm) if user else None,
        client=grant.client.row,
        scope=grant.request.scope or "",
        can_step_up=user is not None and service.can_step_up(user),
        now=now(),
    )


def _authorize(grant: Any, user: User | None) -> Response | str:
    decision = _decide(grant, user)
    if user is None or decision.action == "login":
        return _to_sign_in(user)
    if decision.action == "step_up":
        return _step_up(user)
    if decision.action == "consent":
        if request.method != "POST":
            return _consent_page(grant)
        if request.form.get("decision") != "allow":
            raise AccessDeniedError("The user refused.")
        service.grant_consent(
            user, grant.client.row, grant.request.scope, now=now(), client_info=client_info()
        )
        decision = _decide(grant, user)
    resp = server.create_authorization_response(grant=grant, grant_user=decision.subject)
    db.session.commit()
    return resp  # type: ignore[no-any-return]


def _to_sign_in(user: User | None) -> Response:
    if user is not None:
        # prompt=login or max_age: the session is re-authenticated, not reused.
        end_session()
    target = continuation(request.args, drop=("prompt", "max_age"))
    hint = (request.args.get("login_hint") or "")[:120] or None
    return redirect(url_for("auth.login", next=target, login_hint=hint))


def _step_up(user: User) -> Response:
    try:
        return step_up.begin(user, continuation(request.args))
    except PushRateLimited as exc:
        db.session.commit()
        # error_description is ASCII by RFC 6749 (§4.1.2.1): English, the wait rounded up.
        minutes = minutes_left(exc.retry_after)
        unit = "minute" if minutes == 1 else "minutes"
        raise service.TemporarilyUnavailableError(
            f"Too many notifications; retry in {minutes} {unit}."
        ) from None
    except SecondFactorLocked:
        db.session.commit()
        raise service.TemporarilyUnavailableError(
            "The second factor is locked after too many failures; retry later."
        ) from None
    except NoDevice:
        raise AccessDeniedError("No authenticator is enrolled.") from None


def _consent_page(grant: Any) -> Response:
    page = Response(
        render_template(
            "oidc/consent.html",
            client=grant.client.row,
            scopes=(grant.request.scope or "").split(),
        ),
        mimetype="text/html",
    )
    # Allow and Refuse end, through a redirect, at the application.
    return allow_form_action(page, redirect_origin(grant.redirect_uri))


@bp.post("/oidc/token")
@limiter.limit(lambda: current_app.config.get("OIDC_TOKEN_RATE_LIMIT", "60 per minute"))
def token(slug: str) -> Response:
    resp = server.create_token_response()
    db.session.commit()
    return resp  # type: ignore[no-any-return]


@bp.route("/oidc/userinfo", methods=["GET", "POST"])
def userinfo(slug: str) -> Response:
    resp = server.create_endpoint_response("userinfo")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp  # type: ignore[no-any-return]


@bp.post("/oidc/revoke")
@limiter.limit(lambda: current_app.config.get("OIDC_TOKEN_RATE_LIMIT", "60 per minute"))
def revoke(slug: str) -> Response:
    resp = server.create_endpoint_response("revocation")
    db.session.commit()
    return resp  # type: ignore[no-any-return]


@bp.route("/oidc/logout", methods=["GET", "POST"])
def logout(slug: str) -> Response | str | tuple[str, int]:
    try:
        req = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        # No redirection after an invalid logout request (RP-Initiated Logout §4).
        return render_template(
            "oidc/error.html", error=error.error, description=error.get_error_description()
        ), 400
    user = current_user(g.realm)
    claims = req.id_token_claims
    # Without a valid id_token_hint for the signed-in user, the user confirms (§6).
    confirmed = claims is not None and (user is None or claims.get("sub") == str(user.id))
    if not confirmed and request.method == "POST" and request.form.get("confirm") == "yes":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except (ValidationError, CSRFError):
            abort(400)
        confirmed = True
    if not confirmed:
        return render_template("oidc/logout_confirm.html", client=req.client)
    server.create_endpoint_response("end_session", req)
    end_session()
    if req.redirect_uri:
        return redirect(req.redirect_uri)
    return render_template("oidc/logged_out.html")


@bp.get("/oidc/consents")
@login_required
def consents(slug: str) -> str:
    return render_template("oidc/consents.html", consents=service.consents_of(g.user))


@bp.post("/oidc/consents/<client_id>/revoke")
@login_required
def revoke_consent(slug: str, client_id: str) -> Response:
    if service.revoke_consent(g.user, client_id, now=now(), client_info=client_info()):
        db.session.commit()
        flash(_("L'accès de l'application a été retiré."), "info")
    if request.form.get("back") == "security":  # revoked from « Mes informations de sécurité »
        return redirect(url_for("security.index"))
    return redirect(url_for("oidc.consents"))


# Called by relying parties, not by our forms: no CSRF token. The logout confirmation form
# carries one and checks it itself.
for _view in (token, userinfo, revoke, logout):
    csrf.exempt(_view)
