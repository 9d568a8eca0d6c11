"""Change a password knowing the current one (the page behind "Changer de mot de passe")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.models import Realm, User
from idp.policy import PasswordPolicy, Violation
from idp.security.passwords import Hasher
from idp.users.password_change import apply_new_password, violations_for
from idp.users.service import authenticate

__all__ = ["ChangeOutcome", "change_password"]


@dataclass(frozen=True)
class ChangeOutcome:
    user: User | None = None
    credentials_invalid: bool = False
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.violations


def change_password(
    realm: Realm,
    identifier: str,
    current: str,
    new: str,
    policy: PasswordPolicy,
    *,
    hasher: Hasher,
    client: ClientInfo,
    now: datetime,
) -> ChangeOutcome:
    user = authenticate(realm, identifier, current, hasher=hasher)
    if user is None:
        # Same answer for an unknown account and a wrong current password.
        record(
            "password_change",
            "failure",
            now=now,
            realm=realm.slug,
            actor=identifier,
            client=client,
            details={"reason": "bad_credentials"},
        )
        return ChangeOutcome(credentials_invalid=True)
    violations = violations_for(user, new, policy, hasher=hasher)
    if violations:
        record(
            "password_change",
            "failure",
            now=now,
            realm=realm.slug,
            user=user,
            client=client,
            details={"reason": "policy", "rules": [v.code.value for v in violations]},
        )
        return ChangeOutcome(user=user, violations=violations)
    apply_new_password(user, new, hasher=hasher, now=now, client=client, reason="change")
    return ChangeOutcome(user=user)
