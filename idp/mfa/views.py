"""The push wait page of sign-in (devices are added and removed on the security info page)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
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
from werkzeug.wrappers import Response

from idp.account import second_factor
from idp.auth import step_up
from idp.auth.session import AMR_PUSH, PENDING_KEY, end_session, start_session
from idp.clock import now
from idp.extensions import db
from idp.mfa import service
from idp.mfa.errors import SecondFactorLocked
from idp.mfa.messages import locked_message
from idp.models import User
from idp.push.errors import NoDevice, PushRateLimited
from idp.push.waiting import Waited, WaitInvalid, parse_wait, wait_while_pending
from idp.users.service import get_user
from idp.web.client import client_info
from idp.web.durations import retry_message
from idp.web.realm_context import bind_realm
from idp.web.safe_redirect import safe_next

bp = Blueprint("mfa", __name__, url_prefix="/realms/<slug>")
bind_realm(bp)

__all__ = ["PENDING_KEY", "bp", "pending_user"]


def _pending() -> dict[str, Any] | None:
    data = session.get(PENDING_KEY)
    if isinstance(data, dict) and data.get("realm") == g.realm.slug:
        return data
    return None


def pending_user() -> tuple[dict[str, Any], User] | None:
    """The sign-in waiting for its second factor, if its user still has that session."""
    data = _pending()
    user = get_user(data["uid"]) if data else None
    if data is None or user is None or user.session_generation != data["gen"]:
        return None
    return data, user


@bp.get("/login/push")
def wait(slug: str) -> Response | str:
    data = _pending()
    if data is None:
        return redirect(url_for("auth.login"))
    if not data.get("challenge"):  # codes first (idp.mfa.code_views): no push sent yet
        return redirect(url_for("mfa.code"))
    user = get_user(data["uid"])
    try:
        challenge, status = service.sign_in_status(data["challenge"], data["uid"], now=now())
    except LookupError:
        session.pop(PENDING_KEY, None)
        return redirect(url_for("auth.login"))
    purpose = data.get("purpose", "sign_in")
    if status == "approved" and user is not None and user.session_generation == data["gen"]:
        return _approved(user, data, purpose)
    return render_template(
        "mfa/wait.html",
        challenge=challenge,
        status=status,
        mode=challenge.matching_mode,
        purpose=purpose,
        offer_code=(
            purpose == "sign_in" and user is not None and "totp" in step_up.methods_for(data, user)
        ),
    )


def _approved(user: User, data: dict[str, Any], purpose: str) -> Response:
    session.pop(PENDING_KEY, None)
    if purpose == "password_change":
        return _finish_password_change(user, data)
    if data.get("step_up"):  # a signed-in session proving its second factor again
        return step_up.finish(user, data, amr=AMR_PUSH)
    # Password, then the device's signed approval: RFC 8176 "swk" (proof of a software key).
    start_session(user, now=now(), amr=AMR_PUSH)
    return redirect(safe_next(data.get("next"), url_for("account.profile")))


def _finish_password_change(user: User, data: dict[str, Any]) -> Response:
    applied = second_factor.finish(
        user,
        str(data.get("flow", "")),
        str(data.get("binding", "")),
        now=now(),
        client=client_info(),
    )
    db.session.commit()
    end_session()
    if applied:
        flash(_("Votre mot de passe a été modifié. Connectez-vous avec le nouveau."), "info")
        return redirect(url_for("auth.login"))
    flash(_("Le changement de mot de passe n'a pas abouti : recommencez."), "error")
    return redirect(url_for("account.change_password", login=user.username))


@bp.get("/login/push/status")
def status(slug: str) -> Response | tuple[Response, int]:
    """The pending sign-in's push status; ``?wait=S`` (0 to 25) answers as soon as the app
    answered (idp.push.waiting), so the page moves on at once."""
    try:
        wait = parse_wait(request.args.get("wait"))
    except WaitInvalid as exc:
        return jsonify({"error": "wait_invalid", "message": str(exc)}), 400
    data = _pending()
    if data is None or not data.get("challenge"):
        return jsonify({"status": "none"})
    challenge_id, user_id = str(data["challenge"]), int(data["uid"])

    def read() -> Waited:
        challenge, state = service.sign_in_status(challenge_id, user_id, now=now())
        return Waited(state, challenge.expires_at)

    try:
        state = read().status
        if wait and state == "pending":
            state = wait_while_pending(
                read,
                user_id=user_id,
                challenge_id=challenge_id,
                broker=current_app.extensions["idp.broker"],
                wait=wait,
                now=now,
            ).status
    except LookupError:
        return jsonify({"status": "none"})
    return jsonify({"status": state})


@bp.post("/login/push/resend")
def resend(slug: str) -> Response:
    data = _pending()
    user = db.session.get(User, data["uid"]) if data else None
    if data is None or user is None:
        return redirect(url_for("auth.login"))
    broker = current_app.extensions["idp.broker"]
    sign_in = data.get("purpose", "sign_in") == "sign_in"
    if sign_in and "push" not in step_up.methods_for(data, user):  # [totp] totp_only
        return redirect(url_for("mfa.code"))
    try:
        if data.get("purpose") == "password_change":
            challenge = second_factor.challenge_for(
                user, client=client_info(), now=now(), broker=broker
            )
        else:
            challenge = service.sign_in_challenge(
                user, client=client_info(), now=now(), broker=broker
            )
    except PushRateLimited as exc:
        db.session.commit()
        flash(
            retry_message(exc.retry_after),
            "error",
        )
        return redirect(url_for("mfa.wait"))
    except SecondFactorLocked as exc:
        db.session.commit()
        flash(locked_message(exc), "error")
        return redirect(url_for("mfa.code" if not data.get("challenge") else "mfa.wait"))
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
