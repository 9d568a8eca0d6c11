"""Sign-in pages, one layout per realm variant (seeds 000, 001, 003, 004)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.auth.completion import submit_login
from idp.auth.forms import LoginForm
from idp.auth.session import current_user, end_session
from idp.extensions import limiter
from idp.oidc.continuation import allow_form_action, relying_party_origin
from idp.web.realm_context import bind_realm
from idp.web.safe_redirect import safe_next

bp = Blueprint("auth", __name__, url_prefix="/realms/<slug>")
bind_realm(bp)

__all__ = ["bp"]


def _identifier_key() -> str:
    # Per-identifier limit: applies the same to existing and unknown accounts.
    ident = (request.form.get("identifier") or "").strip().casefold()[:120]
    return f"login:{request.view_args.get('slug') if request.view_args else ''}:{ident}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_IDENTIFIER_RATE_LIMIT"],
    methods=["POST"],
    key_func=_identifier_key,
)
def login(slug: str) -> Response | str:
    if current_user(g.realm) is not None:
        return redirect(url_for("account.profile"))
    form = LoginForm()
    form.language.data = form.language.data or session.get("lang") or g.preset.default_language
    next_url = safe_next(request.args.get("next"), url_for("account.profile"))
    if request.method == "GET" and request.args.get("login_hint"):
        # OpenID Connect login_hint: the identifier the application already knows.
        form.identifier.data = request.args["login_hint"][:120]
    if form.validate_on_submit():
        done = submit_login(form, next_url)
        if done is not None:
            return done
    template = f"auth/login_{g.preset.login.variant}.html"
    page = Response(render_template(template, form=form), mimetype="text/html")
    # Continuing to an OpenID Connect authorization request: the form may end at the client.
    return allow_form_action(page, relying_party_origin(next_url))


@bp.post("/logout")
def logout(slug: str) -> Response:
    # CSRFProtect has already checked the token of this POST.
    end_session()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
