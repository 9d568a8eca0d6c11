"""The browser's side of a session: the signed cookie holds an opaque token, nothing else.

Views call these; the records themselves live in ``idp.auth.sessions`` (the database), so
logout, « partout ailleurs », a password change, an admin action and the realm's timeouts
end a session for real, on every instance sharing the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import g, redirect, request, session, url_for

from idp.auth import sessions
from idp.clock import now as clock_now
from idp.extensions import db
from idp.models import BrowserSession, Realm, User
from idp.realms.store import preset_of
from idp.web.client import client_info

__all__ = [
    "AMR_CODE",
    "AMR_PASSWORD",
    "AMR_PUSH",
    "PENDING_KEY",
    "SessionAuth",
    "current_browser_session",
    "current_user",
    "elevate_session",
    "end_session",
    "login_required",
    "session_auth",
    "start_session",
]

_TOKEN = "sid"  # noqa: S105 - the cookie key, not a secret


# How the session was authenticated (RFC 8176 values), for OpenID Connect's amr/acr.
AMR_PASSWORD = ("pwd",)
# Password, then a push approved with the app's device key (proof of a software key) = MFA.
AMR_PUSH = ("pwd", "swk", "mfa")
# Password, then a one-time code (TOTP from the app, or a recovery code): RFC 8176 "otp" = MFA.
AMR_CODE = ("pwd", "otp", "mfa")


@dataclass(frozen=True)
class SessionAuth:
    """When and how the current session authenticated."""

    at: datetime
    amr: tuple[str, ...]


def start_session(
    user: User, *, now: datetime, amr: Iterable[str] = AMR_PASSWORD
) -> BrowserSession:
    """Sign ``user`` in on this browser: a new record and a new token (rotation at sign-in)."""
    lang = session.get("lang")
    previous = session.get(_TOKEN)
    # Nothing set before authentication survives but the language.
    session.clear()
    if lang:
        session["lang"] = lang
    row, token = sessions.start(
        user,
        amr=amr,
        client=client_info(),
        now=now,
        replacing=previous if isinstance(previous, str) else None,
    )
    db.session.commit()
    session[_TOKEN] = token
    session.permanent = True
    g.browser_session = row
    return row


def elevate_session(row: BrowserSession, *, amr: Iterable[str], now: datetime) -> None:
    """A privilege change (fresh second factor): same record, new token in the cookie."""
    session[_TOKEN] = sessions.rotate(row, amr=amr, now=now)
    db.session.commit()


def end_session(*, reason: str = "logout", now: datetime | None = None) -> None:
    """End this browser's session (the record too) and forget everything but the language."""
    token = session.get(_TOKEN)
    if isinstance(token, str):
        row = sessions.find(token)
        if row is not None and row.revoked_at is None:
            sessions.end(row, reason=reason, now=now or clock_now(), client=client_info())
            db.session.commit()
    _forget()


def current_browser_session(realm: Realm) -> BrowserSession | None:
    """This browser's live session in ``realm`` (None when signed out, ended or timed out)."""
    cached: BrowserSession | None = g.get("browser_session")
    if cached is not None and cached.realm_id == realm.id and cached.revoked_at is None:
        return cached
    token = session.get(_TOKEN)
    if not isinstance(token, str):
        return None
    at = clock_now()
    row = sessions.current(token, realm=realm, settings=preset_of(realm).sessions, now=at)
    if row is None:
        db.session.commit()  # a timeout may just have ended it
        dead = sessions.find(token)
        if dead is None or dead.revoked_at is not None:
            # Ended for good (here or on another instance): the browser stops sending it.
            _forget()
        return None
    if row.last_seen_at == at:
        db.session.commit()  # last seen, at most once a minute
    g.browser_session = row
    return row


def current_user(realm: Realm) -> User | None:
    """The signed-in user of ``realm``, or None."""
    row = current_browser_session(realm)
    user = row.user if row is not None else None
    g.user_language = user.language if user is not None else None
    return user


def _forget() -> None:
    g.pop("browser_session", None)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def session_auth(realm: Realm) -> SessionAuth | None:
    """How this browser's live session of ``realm`` was authenticated (after current_user)."""
    row = current_browser_session(realm)
    if row is None:
        return None
    return SessionAuth(row.authenticated_at, tuple(row.amr or AMR_PASSWORD))


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
