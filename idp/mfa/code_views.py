"""The code page of sign-in: « Utiliser un code de vérification » from the app.

Routes live on the ``mfa`` blueprint (imported at the end of ``idp.mfa.views``). The page
is reached after the password, from the push wait page or directly when the realm puts
codes first (``[totp] sign_in``); it accepts each code once (idp.mfa.totp).
"""

from __future__ import annotations

from flask import redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from idp.auth import step_up
from idp.auth.session import AMR_CODE, start_session
from idp.clock import now
from idp.extensions import db, limiter
from idp.mfa.errors import MfaError
from idp.mfa.forms import TotpCodeForm
from idp.mfa.messages import code_error_message
from idp.mfa.totp import active_devices, verify_code
from idp.mfa.views import PENDING_KEY, bp, pending_user
from idp.realms.store import preset_of
from idp.web.client import client_info
from idp.web.safe_redirect import safe_next

__all__ = ["code"]


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def code(slug: str) -> Response | str:
    found = pending_user()
    if found is None:
        return redirect(url_for("auth.login"))
    data, user = found
    devices = active_devices(user)  # read once: the offered methods and the code check
    methods = step_up.methods_for(data, user, devices)
    if "totp" not in methods:
        return redirect(url_for("mfa.wait"))
    form = TotpCodeForm()
    if form.validate_on_submit():
        try:
            verify_code(
                user,
                form.code.data or "",
                now=now(),
                client=client_info(),
                purpose="sign_in",
                devices=devices,
            )
        except MfaError as exc:
            db.session.commit()  # the failure, its audit and the lock count
            form.code.errors = [code_error_message(exc)]
        else:
            if data.get("step_up"):  # finish commits the spent step with the session's proof
                return step_up.finish(user, data, amr=AMR_CODE)
            session.pop(PENDING_KEY, None)
            # One transaction: the spent step, its audit row and the new session commit
            # together (start_session commits); a failure leaves the code unspent.
            start_session(user, now=now(), amr=AMR_CODE)
            return redirect(safe_next(data.get("next"), url_for("account.profile")))
    return render_template(
        "mfa/code.html",
        form=form,
        offer_push="push" in methods,
        digits=preset_of(user.realm).totp.digits,
    )
