"""Create an account from the sign-up form, under the realm's password policy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.errors import UserExists
from idp.models import Realm, User
from idp.policy import PasswordPolicy, Violation, evaluate
from idp.security.passwords import Hasher
from idp.users.service import create_user

__all__ = ["UserExists", "register"]


def register(
    realm: Realm,
    identifier: str,
    password: str,
    identity: Mapping[str, str],
    policy: PasswordPolicy,
    *,
    language: str,
    hasher: Hasher,
    now: datetime,
    client: ClientInfo,
) -> User | list[Violation]:
    """The new account, or the violated password rules. Raises UserExists."""
    names = [identity.get("first_name", ""), identity.get("last_name", "")]
    violations = evaluate(password, policy, login=identifier, names=[n for n in names if n])
    if violations:
        return violations
    attrs = {k: v for k, v in identity.items() if k != "email" and v}
    user = create_user(
        realm,
        identifier,
        password=password,
        hasher=hasher,
        now=now,
        email=identity.get("email"),
        language=language,
        attrs=attrs,
    )
    record("account_created", "success", now=now, realm=realm.slug, actor=identifier, client=client)
    return user
