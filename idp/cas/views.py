"""CAS endpoints: /cas/login, /cas/serviceValidate, /cas/p3/serviceValidate, /cas/logout."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from idp.auth.completion import submit_login
from idp.auth.forms import LoginForm
from idp.auth.session import current_user, end_session
from idp.cas import xml
from idp.cas.service import issue_ticket, validate_ticket
from idp.clock import now
from idp.extensions import db, limiter
from idp.models import User
from idp.realms.cas import service_allowed
from idp.security.headers import CSP
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

bp = Blueprint("cas", __name__, url_prefix="/realms/<slug>/cas")
bind_realm(bp)

__all__ = ["bp"]

ATTRIBUTES = ("first_name", "last_name", "student_number", "staff_number", "uid")


@bp.before_request
def _enabled() -> None:
    if not g.preset.cas.enabled:
        abort(404)


def _with_ticket(service: str, ticket: str) -> str:
    parts = urlsplit(service)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("ticket", ticket)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login(slug: str) -> BaseResponse | str | tuple[str, int]:
    service = request.args.get("service", "")
    if service and not service_allowed(g.preset.cas, service):
        return render_template("cas/unauthorized.html", service=service), 403
    renew = request.args.get("renew", "").lower() == "true"
    user = current_user(g.realm)
    if user is not None and not renew and request.method == "GET":
        return _grant(user, service, primary=False)
    if user is None and request.args.get("gateway", "").lower() == "true" and service:
        return redirect(service)
    form = LoginForm()
    if form.validate_on_submit():
        # After a push step or an expired password, the browser comes back here signed in.
        done = submit_login(form, url_for("cas.login", service=service or None))
        if done is not None:
            signed_in = current_user(g.realm)
            return _grant(signed_in, service, primary=True) if signed_in else done
    page = Response(render_template("auth/login_cas.html", form=form))
    if service:
        # The form's POST ends in a redirect to the service: CSP form-action must allow it.
        parts = urlsplit(service)  # already checked by service_allowed: no userinfo, int port
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        page.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return page


def _grant(user: User, service: str, *, primary: bool) -> BaseResponse:
    if not service:
        return redirect(url_for("account.profile"))
    ticket = issue_ticket(
        user, service, g.preset.cas, primary=primary, now=now(), client=client_info()
    )
    db.session.commit()
    return redirect(_with_ticket(service, ticket))


def _validate() -> Response:
    """CAS 2.0 and 3.0 validation answer alike here: attributes are released in both."""
    result = validate_ticket(
        g.realm,
        request.args.get("ticket", ""),
        request.args.get("service", ""),
        renew=request.args.get("renew", "").lower() == "true",
        now=now(),
        client=client_info(),
    )
    db.session.commit()
    if result.user is None:
        body = xml.failure(result.code, result.message)
    else:
        attrs = {name: value for name in ATTRIBUTES if (value := result.user.attribute(name))}
        if result.user.email:
            attrs["mail"] = result.user.email
        attrs["displayName"] = result.user.display_name
        body = xml.success(result.user.username, attrs)
    return Response(body, mimetype="application/xml")


@bp.get("/serviceValidate")
def service_validate(slug: str) -> Response:
    return _validate()


@bp.get("/p3/serviceValidate")
def p3_service_validate(slug: str) -> Response:
    return _validate()


@bp.get("/logout")
def logout(slug: str) -> BaseResponse | str:
    end_session()
    service = request.args.get("service", "")
    if service and service_allowed(g.preset.cas, service):
        return redirect(service)
    return render_template("cas/logged_out.html")
