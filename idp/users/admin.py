"""Administrative account creation (``idp user create``)."""

from __future__ import annotations

from collections.abc import Sequence

from idp.clock import now
from idp.errors import IdpError
from idp.extensions import db
from idp.realms.store import get_realm
from idp.security.passwords import current_hasher
from idp.users.attributes import parse_attr_pairs
from idp.users.service import create_user

__all__ = ["UserCreateError", "create_from_cli"]


class UserCreateError(Exception):
    """A refused creation; the message names the field. Nothing was written."""


def create_from_cli(
    realm_slug: str,
    username: str,
    *,
    password: str,
    email: str | None,
    display_name: str | None,
    language: str | None,
    attrs: Sequence[str],
) -> str:
    realm = get_realm(realm_slug)
    if realm is None:
        raise UserCreateError(f"realm: unknown realm {realm_slug!r} (see `idp realm list`)")
    if not username.strip() or len(username) > 120 or any(c.isspace() for c in username.strip()):
        raise UserCreateError("username: 1 to 120 characters, no spaces")
    if not password or len(password) > 256:
        raise UserCreateError("password: 1 to 256 characters")
    if email is not None and ("@" not in email or len(email) > 254 or " " in email):
        raise UserCreateError(f"email: {email!r} is not an email address")
    try:
        user = create_user(
            realm,
            username,
            password=password,
            hasher=current_hasher(),
            now=now(),
            email=email,
            display_name=display_name,
            language=language,
            attrs=parse_attr_pairs(list(attrs)),
        )
        db.session.commit()
    except IdpError as exc:
        db.session.rollback()
        where = f"--attr {exc.field}" if exc.field else exc.code
        raise UserCreateError(f"{where}: {exc.detail}") from exc
    return f"user {user.username} created in realm {realm.slug}"
