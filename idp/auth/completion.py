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
from idp.mfa.service import needs_push, sign_in_challenge
from idp.models import User
from idp.policy import is_expired
from idp.push.errors import PushRateLimited
from idp.security.passwords import current_hasher
from idp.web.client import client_info
from idp.web.durations import retry_message

__all__ = ["submit_login"]


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
    if is_expired(result.user.password_changed_at, g.preset.password_policy, now=now()):
        return _expired(result.user)
    if not needs_push(result.user):
        start_session(result.user, now=now())
        return redirect(next_url)
    return _push(result.user, form, next_url)


def _expired(user: User) -> Response:
    # Max age reached: no session until the password is changed.
    record(
        "password_expired",
        "info",
        now=now(),
        realm=g.realm.slug,
        user=user,
        client=client_info(),
    )
    db.session.commit()
    flash(_("Votre mot de passe a expiré : vous devez le changer pour vous connecter."), "error")
    return redirect(url_for("account.change_password", login=user.username))


def _push(user: User, form: LoginForm, next_url: str) -> Response | None:
    try:
        challenge = sign_in_challenge(
            user, client=client_info(), now=now(), broker=current_app.extensions["idp.broker"]
        )
    except PushRateLimited as exc:
        db.session.commit()
        form.password.errors = [retry_message(exc.retry_after)]
        return None
    session[PENDING_KEY] = {
        "uid": user.id,
        "gen": user.session_generation,
        "realm": g.realm.slug,
        "challenge": challenge.id,
        "next": next_url,
    }
    return redirect(url_for("mfa.wait"))
