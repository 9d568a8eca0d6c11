"""Recovery codes in the browser: shown once after enrolling (or regenerating), and used at
sign-in (« Utiliser un code de récupération »). Routes on the ``mfa`` blueprint."""

from __future__ import annotations

from urllib.parse import quote

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.auth import step_up
from idp.auth.session import AMR_CODE, current_browser_session, login_required, start_session
from idp.clock import now
from idp.extensions import db, limiter
from idp.mfa import recovery_codes
from idp.mfa.errors import MfaError
from idp.mfa.forms import RecoveryCodeForm
from idp.mfa.messages import code_error_message
from idp.mfa.views import PENDING_KEY, bp, pending_user
from idp.push.challenges import active_devices
from idp.web.client import client_info
from idp.web.safe_redirect import safe_next

__all__ = ["codes_page", "make_codes", "sign_in_with_recovery_code"]


@bp.post("/recovery-codes")
@login_required
@limiter.limit("10 per minute")
def make_codes(slug: str) -> Response:
    """New codes: after enrolling (only if none exist yet), or « Générer de nouveaux codes »."""
    replace = request.form.get("replace") == "1"
    if not active_devices(g.user):
        flash(_("Ajoutez d'abord l'application Authenticator à votre compte."), "info")
        return redirect(url_for("account.profile"))
    if recovery_codes.has_codes(g.user):
        if not replace:
            return redirect(url_for("account.profile"))
        # Replacing codes hands out a new way past the second factor: confirmed like any
        # change of a method (password or fresh second factor, on the security info page).
        if not step_up.fresh_second_factor(current_browser_session(g.realm), at=now()):
            return redirect(url_for("security.recovery_codes"))
    codes = recovery_codes.generate(g.user, now=now(), client=client_info())
    db.session.commit()
    return codes_page(codes)


def codes_page(codes: list[str]) -> Response:
    """The new codes, shown once (never cached), with a download link."""
    title = _("Codes de récupération – %(realm)s", realm=g.preset.display_name)
    text = "\n".join([title, g.user.username, "", *codes])
    page = render_template(
        "mfa/recovery_codes.html",
        codes=codes,
        download=f"data:text/plain;charset=utf-8,{quote(text + chr(10))}",
        filename=f"codes-recuperation-{g.realm.slug}-{g.user.username}.txt",
    )
    resp = make_response(page)
    resp.headers["Cache-Control"] = "no-store"  # shown once: never from a cache
    return resp


@bp.route("/login/recovery-code", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def sign_in_with_recovery_code(slug: str) -> Response | str:
    found = pending_user()
    if found is None:
        return redirect(url_for("auth.login"))
    data, user = found
    if not step_up.methods_for(data, user):
        return redirect(url_for("auth.login"))
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        try:
            left = recovery_codes.use(
                user, form.code.data or "", now=now(), client=client_info(), purpose="sign_in"
            )
        except MfaError as exc:
            db.session.commit()
            form.code.errors = [code_error_message(exc)]
        else:
            db.session.commit()
            if data.get("step_up"):
                return step_up.finish(user, data, amr=AMR_CODE)
            session.pop(PENDING_KEY, None)
            start_session(user, now=now(), amr=AMR_CODE)
            flash(
                _(
                    "Code de récupération accepté. Il vous en reste %(count)d : pensez à en "
                    "générer de nouveaux depuis votre profil.",
                    count=left,
                ),
                "info",
            )
            return redirect(safe_next(data.get("next"), url_for("account.profile")))
    return render_template("mfa/recovery_code.html", form=form)


@bp.app_template_global("recovery_codes_left")
def recovery_codes_left(user: object) -> int:
    """For the profile's card (templates/mfa/_profile_recovery_codes.html)."""
    from idp.models import User

    return recovery_codes.remaining(user) if isinstance(user, User) else 0
