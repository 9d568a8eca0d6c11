"""The browser session of a signed-in user.

The cookie is signed (Flask) and carries the user id, the realm and the user's session
generation. A password change bumps the generation in the database, so every session that
carries the old value stops being valid at its next request: sessions are ended everywhere
without a server-side session table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for

from idp.extensions import db
from idp.models import Realm, User

__all__ = ["PENDING_KEY", "current_user", "end_session", "login_required", "start_session"]

_KEY = "auth"


def start_session(user: User, *, now: datetime) -> None:
    lang = session.get("lang")
    # A new session on sign-in: nothing set before authentication survives but the language.
    session.clear()
    if lang:
        session["lang"] = lang
    session[_KEY] = {
        "uid": user.id,
        "realm": user.realm.slug,
        "gen": user.session_generation,
        "at": now.isoformat(),
    }
    session.permanent = True


def end_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_user(realm: Realm) -> User | None:
    """The signed-in user of ``realm``, or None (a stale generation ends the session)."""
    data = session.get(_KEY)
    user = None
    if isinstance(data, dict) and data.get("realm") == realm.slug:
        candidate = db.session.get(User, data.get("uid"))
        if (
            candidate is not None
            and candidate.realm_id == realm.id
            and candidate.session_generation == data.get("gen")
        ):
            user = candidate
        else:
            end_session()
    g.user_language = user.language if user is not None else None
    return user


# A sign-in that passed the password and waits for its second factor (push): in the session,
# next to the signed-in user's, and read by the second-factor pages.
PENDING_KEY = "mfa_pending"

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """The view runs for the realm's signed-in user (``g.user``); others go to sign in."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        user = current_user(g.realm)
        if user is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        g.user = user
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
