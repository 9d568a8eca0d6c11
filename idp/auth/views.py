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

from idp.audit.service import record
from idp.auth.forms import LoginForm
from idp.auth.service import sign_in
from idp.auth.session import current_user, end_session, start_session
from idp.clock import now
from idp.extensions import db, limiter
from idp.mfa.service import needs_push, sign_in_challenge
from idp.mfa.views import PENDING_KEY
from idp.policy import is_expired
from idp.push.errors import PushRateLimited
from idp.security.passwords import current_hasher
from idp.web.client import client_info
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
    if form.validate_on_submit():
        lang = form.language.data if g.preset.login.show_language_choice else None
        result = sign_in(
            g.realm,
            form.identifier.data or "",
            form.password.data or "",
            hasher=current_hasher(),
            client=client_info(),
            now=now(),
            language=lang,
        )
        db.session.commit()
        if result.user is not None:
            if lang:
                session["lang"] = lang
            next_url = safe_next(request.args.get("next"), url_for("account.profile"))
            if is_expired(result.user.password_changed_at, g.preset.password_policy, now=now()):
                # Max age reached: no session until the password is changed.
                record(
                    "password_expired",
                    "info",
                    now=now(),
                    realm=g.realm.slug,
                    actor=result.user.username,
                    user_id=result.user.id,
                    client=client_info(),
                )
                db.session.commit()
                flash(
                    _("Votre mot de passe a expiré : vous devez le changer pour vous connecter."),
                    "error",
                )
                return redirect(url_for("account.change_password", login=result.user.username))
            if not needs_push(result.user):
                start_session(result.user, now=now())
                return redirect(next_url)
            try:
                challenge = sign_in_challenge(
                    result.user,
                    client=client_info(),
                    now=now(),
                    broker=current_app.extensions["idp.broker"],
                )
            except PushRateLimited as exc:
                db.session.commit()
                form.password.errors = [
                    _(
                        "Trop de notifications ont été envoyées. Réessayez dans %(minutes)d "
                        "minute(s).",
                        minutes=max(1, exc.retry_after // 60),
                    )
                ]
            else:
                session[PENDING_KEY] = {
                    "uid": result.user.id,
                    "gen": result.user.session_generation,
                    "realm": g.realm.slug,
                    "challenge": challenge.id,
                    "next": next_url,
                }
                return redirect(url_for("mfa.wait"))
        else:
            form.password.errors = [_("Identifiant ou mot de passe incorrect.")]
    template = f"auth/login_{g.preset.login.variant}.html"
    return render_template(template, form=form)


@bp.post("/logout")
def logout(slug: str) -> Response:
    # CSRFProtect has already checked the token of this POST.
    end_session()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
