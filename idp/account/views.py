"""The signed-in account's profile, and the change-password page."""

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

from idp.account import service
from idp.account.forms import ChangePasswordForm
from idp.account.second_factor import PendingChange
from idp.auth.session import end_session, login_required
from idp.clock import now
from idp.extensions import db, limiter
from idp.models import User
from idp.policy import PasswordPolicy, rules_for
from idp.policy.messages import rule_message, violation_message
from idp.push.challenges import active_devices
from idp.push.errors import PushRateLimited
from idp.security.passwords import current_hasher
from idp.web.client import client_info
from idp.web.durations import retry_message
from idp.web.realm_context import bind_realm

bp = Blueprint("account", __name__, url_prefix="/realms/<slug>")
bind_realm(bp)

__all__ = ["bp"]


@bp.get("/profile")
@login_required
def profile(slug: str) -> Response | str:
    devices = active_devices(g.user)
    push_enabled = g.preset.push.enabled
    return render_template(
        "account/profile.html", user=g.user, devices=devices, push_enabled=push_enabled
    )


@bp.route("/password/change", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password(slug: str) -> Response | str:
    """Reached from the profile and from the authenticator (``?login=`` pre-fills the form)."""
    form = ChangePasswordForm()
    if request.method == "GET":
        form.identifier.data = (request.args.get("login") or "")[:120]
    policy = g.preset.password_policy
    if form.validate_on_submit():
        try:
            outcome = service.change_password(
                g.realm,
                form.identifier.data or "",
                form.current_password.data or "",
                form.new_password.data or "",
                policy,
                hasher=current_hasher(),
                client=client_info(),
                now=now(),
                broker=current_app.extensions["idp.broker"],
            )
        except PushRateLimited as exc:
            db.session.commit()
            form.current_password.errors = [retry_message(exc.retry_after)]
            return _page(form, policy)
        db.session.commit()
        if outcome.pending is not None and outcome.user is not None:
            return _await_second_factor(outcome.user, outcome.pending)
        if outcome.ok:
            end_session()
            flash(_("Votre mot de passe a été modifié. Connectez-vous avec le nouveau."), "info")
            return redirect(url_for("auth.login"))
        if outcome.credentials_invalid:
            form.current_password.errors = [_("Identifiant ou mot de passe incorrect.")]
        else:
            form.new_password.errors = [str(violation_message(v)) for v in outcome.violations]
    return _page(form, policy)


def _page(form: ChangePasswordForm, policy: PasswordPolicy) -> str:
    return render_template(
        "account/change_password.html",
        form=form,
        rules=[rule_message(r) for r in rules_for(policy)],
    )


def _await_second_factor(user: User, pending: PendingChange) -> Response:
    """The change waits for the push approval on the same page as a sign-in's second step."""
    from idp.mfa.views import PENDING_KEY

    session[PENDING_KEY] = {
        "uid": user.id,
        "gen": user.session_generation,
        "realm": g.realm.slug,
        "challenge": pending.challenge.id,
        "purpose": "password_change",
        "flow": pending.flow_id,
        "binding": pending.binding,
    }
    return redirect(url_for("mfa.wait"))
