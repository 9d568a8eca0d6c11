"""Enroll the authenticator from the profile, remove devices, and the push wait page."""

from __future__ import annotations

from typing import Any

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.auth.session import PENDING_KEY, login_required, start_session
from idp.clock import now
from idp.extensions import db
from idp.mfa import service
from idp.models import Device, User
from idp.push import enrollment
from idp.push.errors import NoDevice, PushRateLimited
from idp.web.client import client_info
from idp.web.durations import retry_message
from idp.web.realm_context import bind_realm
from idp.web.safe_redirect import safe_next

bp = Blueprint("mfa", __name__, url_prefix="/realms/<slug>")
bind_realm(bp)

__all__ = ["bp"]


@bp.post("/devices/enroll")
@login_required
def enroll(slug: str) -> str:
    issued = enrollment.create_offer(
        g.user, base_url=current_app.config["BASE_URL"], now=now(), client=client_info()
    )
    db.session.commit()
    qr = segno.make(issued.uri, error="m").svg_data_uri(scale=5, border=2)
    return render_template("mfa/enroll.html", offer=issued.offer, uri=issued.uri, qr=qr)


@bp.post("/devices/<device_id>/remove")
@login_required
def remove(slug: str, device_id: str) -> Response:
    device = db.session.get(Device, device_id)
    if device is None or device.user_id != g.user.id or device.revoked_at is not None:
        abort(404)
    service.remove_device(device, now=now(), client=client_info(), by="user")
    db.session.commit()
    flash(_("L'appareil « %(name)s » a été retiré de votre compte.", name=device.name), "info")
    return redirect(url_for("account.profile"))


def _pending() -> dict[str, Any] | None:
    data = session.get(PENDING_KEY)
    if isinstance(data, dict) and data.get("realm") == g.realm.slug:
        return data
    return None


@bp.get("/login/push")
def wait(slug: str) -> Response | str:
    data = _pending()
    if data is None:
        return redirect(url_for("auth.login"))
    user = db.session.get(User, data["uid"])
    try:
        challenge, status = service.sign_in_status(data["challenge"], data["uid"], now=now())
    except LookupError:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("auth.login"))
    if status == "approved" and user is not None and user.session_generation == data["gen"]:
        session.pop(PENDING_KEY, None)
        start_session(user, now=now())
        return redirect(safe_next(data.get("next"), url_for("account.profile")))
    return render_template(
        "mfa/wait.html", challenge=challenge, status=status, mode=challenge.matching_mode
    )


@bp.get("/login/push/status")
def status(slug: str) -> Response:
    data = _pending()
    if data is None:
        return jsonify({"status": "none"})
    try:
        _challenge, state = service.sign_in_status(data["challenge"], data["uid"], now=now())
    except LookupError:
        return jsonify({"status": "none"})
    return jsonify({"status": state})


@bp.post("/login/push/resend")
def resend(slug: str) -> Response:
    data = _pending()
    user = db.session.get(User, data["uid"]) if data else None
    if data is None or user is None:
        return redirect(url_for("auth.login"))
    try:
        challenge = service.sign_in_challenge(
            user, client=client_info(), now=now(), broker=current_app.extensions["idp.broker"]
        )
    except PushRateLimited as exc:
        db.session.commit()
        flash(
            retry_message(exc.retry_after),
            "error",
        )
        return redirect(url_for("mfa.wait"))
    except NoDevice:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("auth.login"))
    data["challenge"] = challenge.id
    session[PENDING_KEY] = data
    return redirect(url_for("mfa.wait"))


@bp.post("/login/push/cancel")
def cancel(slug: str) -> Response:
    session.pop(PENDING_KEY, None)
    return redirect(url_for("auth.login"))
