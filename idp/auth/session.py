"""The browser session of a signed-in user.

The cookie is signed (Flask) and carries the user id, the realm and the user's session
generation. A password change bumps the generation in the database, so every session that
carries the old value stops being valid at its next request: sessions are ended everywhere
without a server-side session table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import g, session

from idp.extensions import db
from idp.models import Realm, User

__all__ = [
    "AMR_PASSWORD",
    "AMR_PUSH",
    "SessionAuth",
    "current_user",
    "end_session",
    "session_auth",
    "start_session",
]

_KEY = "auth"

# How the session was authenticated (RFC 8176 values), for OpenID Connect's amr/acr.
AMR_PASSWORD = ("pwd",)
# Password, then a push approved with the app's device key (proof of a software key) = MFA.
AMR_PUSH = ("pwd", "swk", "mfa")


@dataclass(frozen=True)
class SessionAuth:
    """When and how the current session authenticated."""

    at: datetime
    amr: tuple[str, ...]


def start_session(user: User, *, now: datetime, amr: tuple[str, ...] = AMR_PASSWORD) -> None:
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
        "amr": list(amr),
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


def session_auth(realm: Realm) -> SessionAuth | None:
    """How the session of ``realm``'s signed-in user was authenticated (after current_user)."""
    data = session.get(_KEY)
    if not isinstance(data, dict) or data.get("realm") != realm.slug:
        return None
    try:
        at = datetime.fromisoformat(str(data.get("at")))
    except ValueError:
        return None
    amr = data.get("amr")
    # A session started before amr was recorded was a password sign-in at least.
    return SessionAuth(at, tuple(amr) if isinstance(amr, list) else AMR_PASSWORD)
