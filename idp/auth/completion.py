"""What happens after the password: expired password, push second factor, or a session.

Shared by the realm sign-in page and the CAS login, so both apply the same rules.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.audit.service import record
from idp.auth.forms import LoginForm
from idp.auth.service import sign_in
from idp.auth.session import PENDING_KEY, start_session
from idp.clock import now
from idp.extensions import db
from idp.mfa.errors import SecondFactorLocked
from idp.mfa.messages import locked_message
from idp.mfa.service import second_factor_methods, sign_in_challenge
from idp.models import User
from idp.policy import is_expired
from idp.push.errors import PushRateLimited
from idp.security.passwords import current_hasher
from idp.web.client import client_info
from idp.web.durations import retry_message

__all__ = ["begin_push", "submit_login"]


def submit_login(form: LoginForm, next_url: str) -> Response | None:
    """Check a validated sign-in form; a redirect on success, None to show the form again."""
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
    if result.user is None:
        form.password.errors = [_("Identifiant ou mot de passe incorrect.")]
        return None
    if lang:
        session["lang"] = lang
    if result.user.must_change_password or is_expired(
        result.user.password_changed_at, g.preset.password_policy, now=now()
    ):
        return _expired(result.user, forced=result.user.must_change_password)
    methods = second_factor_methods(result.user)
    if not methods:
        start_session(result.user, now=now())
        return redirect(next_url)
    if methods[0] == "totp":  # codes first ([totp] sign_in, issue 16): no push sent yet
        session[PENDING_KEY] = _pending(result.user, next_url, challenge=None)
        return redirect(url_for("mfa.code"))
    return _push(result.user, form, next_url)


def _expired(user: User, *, forced: bool) -> Response:
    # Max age reached, or a temporary password set by an admin: no session until it is changed.
    record(
        "password_change_required" if forced else "password_expired",
        "info",
        now=now(),
        realm=g.realm.slug,
        user=user,
        client=client_info(),
    )
    db.session.commit()
    if forced:
        flash(_("Vous devez changer votre mot de passe avant de vous connecter."), "error")
    else:
        flash(
            _("Votre mot de passe a expiré : vous devez le changer pour vous connecter."), "error"
        )
    return redirect(url_for("account.change_password", login=user.username))


def begin_push(user: User, next_url: str) -> Response:
    """Send a sign-in push and show the wait page; ``next_url`` follows the approval.

    Also the step-up of a signed-in session (OpenID Connect ``acr_values``). Raises
    PushRateLimited, NoDevice or SecondFactorLocked.
    """
    challenge = sign_in_challenge(
        user, client=client_info(), now=now(), broker=current_app.extensions["idp.broker"]
    )
    session[PENDING_KEY] = _pending(user, next_url, challenge=challenge.id)
    return redirect(url_for("mfa.wait"))


def _pending(user: User, next_url: str, *, challenge: str | None) -> dict[str, object]:
    return {
        "uid": user.id,
        "gen": user.session_generation,
        "realm": g.realm.slug,
        "challenge": challenge,
        "next": next_url,
    }


def _push(user: User, form: LoginForm, next_url: str) -> Response | None:
    try:
        return begin_push(user, next_url)
    except PushRateLimited as exc:
        db.session.commit()
        form.password.errors = [retry_message(exc.retry_after)]
        return None
    except SecondFactorLocked as exc:  # wrong codes and failed pushes share it (idp.mfa.lock)
        db.session.commit()
        form.password.errors = [locked_message(exc)]
        return None
