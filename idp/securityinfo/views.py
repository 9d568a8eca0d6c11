"""« Mes informations de sécurité » (/realms/<slug>/security)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from idp.auth import step_up
from idp.auth.session import current_browser_session, login_required
from idp.clock import now
from idp.errors import AttributeInvalid
from idp.extensions import db, limiter
from idp.mfa.errors import SecondFactorLocked
from idp.mfa.messages import locked_message
from idp.mfa.service import step_up_methods
from idp.models import Device
from idp.oidc.service import consents_of
from idp.push import enrollment
from idp.push.challenges import active_devices
from idp.push.context import approximate_location, describe_browser
from idp.push.errors import PushRateLimited
from idp.security.passwords import current_hasher
from idp.securityinfo import email_verification, service
from idp.securityinfo.forms import (
    ConfirmPasswordForm,
    EmailForm,
    EndSessionForm,
    PlainForm,
    SecretQuestionForm,
)
from idp.securityinfo.labels import activity_label
from idp.web.client import client_info
from idp.web.durations import retry_message
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
        pending_email=email_verification.pending_for(g.user, now=at),
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


def _second_factor_only() -> bool:
    """The user's option holds: the password alone confirms nothing (while a factor exists)."""
    return bool(g.user.changes_need_second_factor) and bool(step_up_methods(g.user))


@bp.context_processor
def _confirmation() -> dict[str, Any]:
    """How the page's change will be confirmed (``securityinfo/_confirm.html``)."""
    user = g.get("user")
    if user is None:
        return {}
    until = step_up.fresh_until(current_browser_session(g.realm))
    fresh = until is not None and now() < until
    return {
        "confirm": {
            "fresh_until": until if fresh else None,
            "can_step_up": bool(step_up_methods(user)),
            "second_factor_only": _second_factor_only(),
            "step_up_url": url_for("security.confirm", next=request.path),
        }
    }


def _confirmed(form: ConfirmPasswordForm | EmailForm | SecretQuestionForm, action: str) -> bool:
    """The form is valid and confirmed: a fresh second factor on this session, or the right
    current password (a wrong one is audited) unless the user's option refuses it."""
    if not form.validate_on_submit():
        return False
    if step_up.fresh_second_factor(current_browser_session(g.realm), at=now()):
        return True
    if _second_factor_only():
        form.current_password.errors = [
            _("Confirmez d'abord cette modification avec votre second facteur.")
        ]
        return False
    if not form.current_password.data:
        form.current_password.errors = [_("Vous devez entrer votre mot de passe actuel.")]
        return False
    try:
        service.confirm_password(
            g.user,
            form.current_password.data,
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


def _security_path(target: str | None) -> str:
    """Only a page of this realm's security info may follow a step-up."""
    base = url_for("security.index")
    if target and (target == base or target.startswith(base + "/")) and "//" not in target:
        return target
    return base


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def confirm(slug: str) -> Response | str:
    """« Confirmer avec un second facteur »: a push or a code, then back to the change."""
    target = _security_path(request.args.get("next"))
    methods = step_up_methods(g.user)
    if not methods:
        abort(404)
    form = PlainForm()
    if form.validate_on_submit():
        try:
            resp = step_up.begin(g.user, target)
        except PushRateLimited as exc:
            db.session.commit()
            flash(retry_message(exc.retry_after), "error")
        except SecondFactorLocked as exc:
            db.session.commit()
            flash(locked_message(exc), "error")
        else:
            db.session.commit()
            return resp
    return render_template("securityinfo/confirm.html", form=form, methods=methods)


@bp.route("/protection", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def protection(slug: str) -> Response | str:
    """The option « Exiger un second facteur pour modifier mes informations de sécurité »:
    switched on or off only with a fresh second factor (the password cannot lift it)."""
    if not step_up_methods(g.user):
        abort(404)
    form = PlainForm()
    if form.validate_on_submit():
        if not step_up.fresh_second_factor(current_browser_session(g.realm), at=now()):
            return redirect(url_for("security.confirm", next=url_for("security.protection")))
        service.set_second_factor_only(
            g.user, not g.user.changes_need_second_factor, now=now(), client=client_info()
        )
        db.session.commit()
        flash(
            _("Les modifications demandent désormais un second facteur.")
            if g.user.changes_need_second_factor
            else _("Les modifications acceptent de nouveau votre mot de passe actuel."),
            "info",
        )
        return redirect(url_for("security.index"))
    return render_template("securityinfo/protection.html", form=form, user=g.user)


@bp.route("/email", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def email(slug: str) -> Response | str:
    form = EmailForm()
    if _confirmed(form, "email"):
        new = (form.email.data or "").strip()
        # Used for recovery and notices only once verified (idp.securityinfo.email_verification).
        email_verification.request_change(g.user, new, now=now(), client=client_info())
        db.session.commit()
        flash(
            _(
                "Un lien de vérification a été envoyé à %(email)s. Votre adresse ne change "
                "qu'une fois ce lien ouvert.",
                email=new,
            ),
            "info",
        )
        return redirect(url_for("security.index"))
    return render_template("securityinfo/email.html", form=form, user=g.user)


@bp.post("/email/cancel")
@login_required
def cancel_email(slug: str) -> Response:
    if not PlainForm().validate_on_submit():
        abort(400)
    email_verification.cancel(g.user, now=now())
    db.session.commit()
    flash(_("La demande de changement d'adresse a été annulée."), "info")
    return redirect(url_for("security.index"))


@bp.route("/email/verify/<link>", methods=["GET", "POST"])
@limiter.limit(_limit)
def verify_email(slug: str, link: str) -> Response | str | tuple[str, int]:
    """The link mailed to a new address; no sign-in needed (it proves the mailbox)."""
    form = PlainForm()
    try:
        address = email_verification.check(g.realm, link[:200], now=now())
        if form.validate_on_submit():
            email_verification.verify(g.realm, link[:200], now=now(), client=client_info())
            db.session.commit()
            return render_template("securityinfo/email_verified.html", email=address)
    except email_verification.VerificationLinkInvalid:
        db.session.rollback()
        # The same page whether the link never existed, expired, or was used.
        return render_template("securityinfo/email_link_invalid.html"), 400
    return render_template("securityinfo/email_verify.html", form=form, email=address)


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


@bp.route("/recovery-codes", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
@login_required
def recovery_codes(slug: str) -> Response | str:
    """« Générer de nouveaux codes » when codes exist: the old ones stop working."""
    from idp.mfa import recovery_codes as codes
    from idp.mfa.recovery_code_views import codes_page

    if not codes.has_codes(g.user):
        return redirect(url_for("account.profile"))
    form = ConfirmPasswordForm()
    if _confirmed(form, "recovery_codes"):
        new = codes.generate(g.user, now=now(), client=client_info())
        db.session.commit()
        return codes_page(new)
    return render_template(
        "securityinfo/recovery_codes.html", form=form, left=codes.remaining(g.user)
    )
