"""Step-up: a signed-in session proves a second factor again (push or code from the app).

Used by OpenID Connect (``acr_values`` asking for a second factor) and by « Mes
informations de sécurité » before a sensitive change. The push wait page and the code page
of sign-in do the proving; on success ``finish`` elevates the *same* session record (new
token, ``amr`` extended, ``authenticated_at`` now: a privilege change), instead of signing
in anew.

Security decisions:
- A step-up is bound to the session record that asked for it (its id in the pending data):
  if the browser signed out, or another user signed in meanwhile, the proof is dropped.
- "Fresh" means a second factor proven within the realm's ``[sessions] step_up_minutes``
  (5 by default), counted from the session's ``authenticated_at``, which a sign-in with a
  second factor or a step-up sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, flash, g, redirect, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.audit.service import record
from idp.auth.session import PENDING_KEY, current_browser_session, elevate_session
from idp.clock import now
from idp.extensions import db
from idp.mfa.service import second_factor_methods, sign_in_challenge, step_up_methods
from idp.models import BrowserSession, Device, User
from idp.push.errors import NoDevice
from idp.realms.store import preset_of
from idp.web.client import client_info
from idp.web.safe_redirect import safe_next

__all__ = ["begin", "finish", "fresh_second_factor", "fresh_until", "methods_for"]


def fresh_until(row: BrowserSession | None) -> datetime | None:
    """Until when ``row``'s second factor counts as fresh (None: it has none)."""
    if row is None or "mfa" not in (row.amr or []):
        return None
    minutes = preset_of(row.user.realm).sessions.step_up_minutes
    return row.authenticated_at + timedelta(minutes=minutes)


def fresh_second_factor(row: BrowserSession | None, *, at: datetime) -> bool:
    until = fresh_until(row)
    return until is not None and at < until


def methods_for(
    data: dict[str, Any], user: User, devices: Sequence[Device] | None = None
) -> list[str]:
    """The second factors the pending sign-in or step-up may use (``devices``: the user's
    active devices when the caller already loaded them)."""
    if data.get("step_up"):
        return step_up_methods(user)
    return second_factor_methods(user, devices)


def begin(user: User, next_url: str) -> Response:
    """Ask the signed-in ``user`` for a second factor; ``next_url`` follows the proof.

    Raises NoDevice (nothing to prove with), PushRateLimited or SecondFactorLocked."""
    row = current_browser_session(g.realm)
    methods = step_up_methods(user)
    if row is None or not methods:
        raise NoDevice("no second factor to step up with")
    data: dict[str, Any] = {
        "uid": user.id,
        "gen": user.session_generation,
        "realm": g.realm.slug,
        "challenge": None,
        "next": next_url,
        "step_up": True,
        "sid": row.id,
    }
    if methods[0] == "totp":
        session[PENDING_KEY] = data
        return redirect(url_for("mfa.code"))
    challenge = sign_in_challenge(
        user, client=client_info(), now=now(), broker=current_app.extensions["idp.broker"]
    )
    data["challenge"] = challenge.id
    session[PENDING_KEY] = data
    return redirect(url_for("mfa.wait"))


def finish(user: User, data: dict[str, Any], *, amr: tuple[str, ...]) -> Response:
    """The second factor of a step-up was proven: elevate the session that asked for it."""
    session.pop(PENDING_KEY, None)
    row = current_browser_session(g.realm)
    if row is None or row.user_id != user.id or row.id != data.get("sid"):
        db.session.commit()
        flash(_("Votre session a changé entre-temps : connectez-vous à nouveau."), "error")
        return redirect(url_for("auth.login"))
    at = now()
    record(
        "step_up",
        "success",
        now=at,
        realm=g.realm.slug,
        user=user,
        client=client_info(),
        details={"amr": list(amr), "session_id": row.id},
    )
    elevate_session(row, amr=amr, now=at)
    return redirect(safe_next(data.get("next"), url_for("account.profile")))
