"""Create accounts, set passwords, check credentials.

Security decisions:
- Passwords and secret answers are stored as argon2id hashes only.
- Checking credentials costs the same whether the account exists or not (the hasher verifies
  against a dummy hash), and both failures look the same to the caller.
- Setting a password appends the old hash to the history and ends every browser session of
  the user (``idp.auth.sessions``); the session generation it bumps guards a sign-in still
  waiting on its push step.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, select

from idp.auth import sessions
from idp.errors import UserExists
from idp.extensions import db
from idp.models import PasswordHistory, Realm, User, UserAttribute
from idp.prepared import Loader
from idp.security.passwords import Hasher
from idp.users.attributes import HASHED_ATTRIBUTES, normalise_answer, validate_attributes

__all__ = [
    "authenticate",
    "create_user",
    "find_user",
    "get_user",
    "set_attributes",
    "set_password",
    "set_password_hash",
    "username_key",
]

HISTORY_KEEP = 24


def username_key(username: str) -> str:
    return username.strip().casefold()


_BY_ID = Loader(User, User.id == bindparam("id"))


def get_user(user_id: int) -> User | None:
    """The user with this id, as ``db.session.get`` gives it, for a third of its cost (the
    pages of every sign-in step read it: idp.prepared.Loader)."""
    return _BY_ID.one(db.session, {"id": user_id})


def find_user(realm: Realm, identifier: str) -> User | None:
    key = username_key(identifier)
    if not key or len(key) > 120:
        return None
    return db.session.scalar(
        select(User).where(User.realm_id == realm.id, User.username_key == key)
    )


def create_user(
    realm: Realm,
    username: str,
    *,
    password: str | None,
    hasher: Hasher,
    now: datetime,
    email: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
    attrs: Mapping[str, str] | None = None,
    activated: bool = True,
) -> User:
    clean = validate_attributes(attrs or {}, today=now.date())
    if find_user(realm, username) is not None:
        raise UserExists(f"user {username!r} already exists in realm {realm.slug!r}")
    user = User(
        realm_id=realm.id,
        realm=realm,
        username=username.strip(),
        username_key=username_key(username),
        display_name=display_name or _display_name(username, clean),
        email=(email or None),
        language=language,
        activated=activated,
        session_generation=0,
        created_at=now,
    )
    db.session.add(user)
    set_attributes(user, clean, hasher=hasher)
    if password is not None:
        user.password_hash = hasher.hash(password)
        user.password_changed_at = now
    return user


def set_attributes(user: User, clean: Mapping[str, str], *, hasher: Hasher) -> None:
    existing = {a.name: a for a in user.attributes}
    for name, value in clean.items():
        stored_name, stored_value = name, value
        if name in HASHED_ATTRIBUTES:
            stored_name, stored_value = f"{name}_hash", hasher.hash(normalise_answer(value))
        if stored_name in existing:
            existing[stored_name].value = stored_value
        else:
            user.attributes.append(UserAttribute(name=stored_name, value=stored_value))


def set_password(user: User, new_password: str, *, hasher: Hasher, now: datetime) -> None:
    """Replace the password, keep the old hash in the history, end every session."""
    set_password_hash(user, hasher.hash(new_password), now=now)


def set_password_hash(user: User, new_hash: str, *, now: datetime) -> None:
    """``set_password`` with a hash computed earlier (a background job applies it)."""
    if user.password_hash:
        user.password_history.insert(
            0, PasswordHistory(password_hash=user.password_hash, created_at=now)
        )
        for stale in user.password_history[HISTORY_KEEP:]:
            user.password_history.remove(stale)
    user.password_hash = new_hash
    user.password_changed_at = now
    user.must_change_password = False
    user.session_generation = (user.session_generation or 0) + 1
    # Every browser signed in with the old password is signed out, for real.
    sessions.end_all_for_user(user, reason="password_changed", now=now)


def authenticate(realm: Realm, identifier: str, password: str, *, hasher: Hasher) -> User | None:
    """The user when identifier and password match an activated account, else None."""
    user = find_user(realm, identifier)
    usable = user is not None and user.activated and user.disabled_at is None
    stored = user.password_hash if usable and user is not None else None
    if not hasher.verify(stored, password):
        return None
    if user is not None and stored is not None and hasher.needs_rehash(stored):
        # The realm's argon2 cost changed since this hash was made: upgrade it now that the
        # password is known (no history entry, no session ended: it is the same password).
        user.password_hash = hasher.hash(password)
    return user


def _display_name(username: str, attrs: Mapping[str, str]) -> str:
    first, last = attrs.get("first_name"), attrs.get("last_name")
    if first or last:
        return " ".join(p for p in (first, last) if p)
    return username
