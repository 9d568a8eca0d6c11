"""Sign-in: check credentials, audit every attempt.

Security: a wrong password and an unknown (or not yet activated) account produce the same
result and cost the same time; the audit trail records the difference, the user never sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.models import Realm, User
from idp.security.passwords import Hasher
from idp.users.service import authenticate, find_user

__all__ = ["SignInResult", "sign_in"]


@dataclass(frozen=True)
class SignInResult:
    user: User | None

    @property
    def ok(self) -> bool:
        return self.user is not None


def sign_in(
    realm: Realm,
    identifier: str,
    password: str,
    *,
    hasher: Hasher,
    client: ClientInfo,
    now: datetime,
    language: str | None = None,
) -> SignInResult:
    identifier = identifier.strip()
    user = authenticate(realm, identifier, password, hasher=hasher)
    if user is None:
        known = find_user(realm, identifier)
        reason = (
            "unknown_user"
            if known is None
            else (
                "not_activated"
                if not known.activated
                else ("disabled" if known.disabled_at is not None else "bad_password")
            )
        )
        record(
            "sign_in",
            "failure",
            now=now,
            realm=realm.slug,
            actor=identifier,
            user_id=known.id if known else None,
            client=client,
            details={"reason": reason},
        )
        return SignInResult(None)
    if language and user.language != language:
        user.language = language
    record(
        "sign_in",
        "success",
        now=now,
        realm=realm.slug,
        user=user,
        client=client,
    )
    return SignInResult(user)
