"""« Mes informations de sécurité » (/realms/<slug>/security)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from idp.auth.session import current_browser_session, login_required
from idp.clock import now
from idp.errors import AttributeInvalid
from idp.extensions import db, limiter
from idp.models import Device
from idp.oidc.service import consents_of
from idp.push import enrollment
from idp.push.challenges import active_devices
from idp.push.context import approximate_location, describe_browser
from idp.security.passwords import current_hasher
from idp.securityinfo import service
from idp.securityinfo.forms import (
    ConfirmPasswordForm,
    EmailForm,
    EndSessionForm,
    PlainForm,
    SecretQuestionForm,
)
from idp.securityinfo.labels import activity_label
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

bp = Blueprint("security", __name__, url_prefix="/realms/<slug>/security")
bind_realm(bp)

__all__ = ["bp"]


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.get("")
@login_required
def index(slug: str) -> str:
    at = now()
    current = current_browser_session(g.realm)
    return render_template(
        "securityinfo/index.html",
        user=g.user,
        devices=active_devices(g.user) if g.preset.push.enabled else None,
        secret_question=(
            g.user.attribute("secret_question")
            if service.uses_secret_question(list(g.preset.recovery.steps))
            else None
        ),
        uses_secret_question=service.uses_secret_question(list(g.preset.recovery.steps)),
        sessions=service.live_sessions(g.user, settings=g.preset.sessions, now=at),
        current_id=current.id if current else None,
        activity=service.recent_activity(g.user),
        activity_label=activity_label,
        describe_browser=describe_browser,
        approximate_location=approximate_location,
        form=PlainForm(),
        consents=consents_of(g.user),
    )


@bp.post("/sessions/end")
@login_required
def end_session(slug: str) -> Response:
    form = EndSessionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.end_one_session(g.user, form.session_id.data or 0, now=now(), client=client_info())
    except service.SessionNotFound:
        abort(404)
    db.session.commit()
    flash(_("La session a été fermée."), "info")
    return redirect(url_for("security.index"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions(slug: str) -> Response:
    if not PlainForm().validate_on_submit():
        abort(400)
    current = current_browser_session(g.realm)
    if current is None:  # ended between login_required and here
        abort(404)
    count = service.end_other_sessions(g.user, current, now=now(), client=client_info())
    db.session.commit()
    flash(
        ngettext("%(num)d autre session fermée.", "%(num)d autres sessions fermées.", count),
        "info",
    )
    return redirect(url_for("security.index"))


def _confirmed(form: ConfirmPasswordForm | EmailForm | SecretQuestionForm, action: str) -> bool:
    """The form is valid and its current password right (a wrong one is audited)."""
    if not form.validate_on_submit():
        return False
    try:
        service.confirm_password(
            g.user,
            form.current_password.data or "",
            hasher=current_hasher(),
            now=now(),
            client=client_info(),
            action=action,
        )
    except service.ReauthFailed:
        db.session.commit()
        form.current_password.errors = [_("Mot de passe incorrect.")]
        return False
    return True


@bp.route("/email", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def email(slug: str) -> Response | str:
    form = EmailForm()
    if _confirmed(form, "email"):
        new = (form.email.data or "").strip()
        service.change_email(g.user, new, now=now(), client=client_info())
        db.session.commit()
        flash(_("Votre adresse de messagerie a été modifiée."), "info")
        return redirect(url_for("security.index"))
    return render_template("securityinfo/email.html", form=form, user=g.user)


@bp.route("/secret-question", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def secret_question(slug: str) -> Response | str:
    if not service.uses_secret_question(list(g.preset.recovery.steps)):
        abort(404)
    form = SecretQuestionForm()
    if _confirmed(form, "secret_question"):
        try:
            service.change_secret_question(
                g.user,
                form.question.data or "",
                form.answer.data or "",
                hasher=current_hasher(),
                now=now(),
                client=client_info(),
            )
        except AttributeInvalid as exc:
            field = form.answer if exc.field == "secret_answer" else form.question
            field.errors = [_("Cette valeur n'est pas acceptée.")]
        else:
            db.session.commit()
            flash(_("Votre question secrète a été modifiée."), "info")
            return redirect(url_for("security.index"))
    return render_template("securityinfo/secret_question.html", form=form)


@bp.route("/devices/<device_id>/remove", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def remove_device(slug: str, device_id: str) -> Response | str:
    device = db.session.get(Device, device_id[:64])
    if device is None or device.user_id != g.user.id or device.revoked_at is not None:
        abort(404)
    form = ConfirmPasswordForm()
    if _confirmed(form, "remove_device"):
        service.remove_device(device, now=now(), client=client_info())
        db.session.commit()
        flash(_("L'appareil « %(name)s » a été retiré de votre compte.", name=device.name), "info")
        return redirect(url_for("security.index"))
    return render_template("securityinfo/remove_device.html", form=form, device=device)


@bp.route("/devices/add", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def add_device(slug: str) -> Response | str:
    if not g.preset.push.enabled:
        abort(404)
    form = ConfirmPasswordForm()
    if _confirmed(form, "add_device"):
        import segno

        issued = enrollment.create_offer(
            g.user, base_url=current_app.config["BASE_URL"], now=now(), client=client_info()
        )
        db.session.commit()
        qr = segno.make(issued.uri, error="m").svg_data_uri(scale=5, border=2)
        return render_template("mfa/enroll.html", offer=issued.offer, uri=issued.uri, qr=qr)
    return render_template("securityinfo/add_device.html", form=form)
