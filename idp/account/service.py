"""Change a password knowing the current one (the page behind "Changer de mot de passe").

On a realm whose sign-in asks for push and a user with a device, the current password is not
enough: the change waits for the second factor (``idp.account.second_factor``), whether the
page was reached from the profile, from the app, or after an expired password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from idp.account import second_factor
from idp.audit.service import ClientInfo, record
from idp.mfa.service import needs_push
from idp.models import Realm, User
from idp.policy import PasswordPolicy, Violation
from idp.push.broker import Broker
from idp.security.passwords import Hasher
from idp.users.password_change import apply_new_password, violations_for
from idp.users.service import authenticate

__all__ = ["ChangeOutcome", "change_password"]


@dataclass(frozen=True)
class ChangeOutcome:
    user: User | None = None
    credentials_invalid: bool = False
    violations: list[Violation] = field(default_factory=list)
    # Set when the change waits for the second factor (nothing applied yet).
    pending: second_factor.PendingChange | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None and not self.violations and self.pending is None


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
    broker: Broker | None = None,
) -> ChangeOutcome:
    """Apply the change, or (``broker`` given and a second factor due) start its push step;
    ``PushRateLimited`` rises when too many notifications were sent."""
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
    if broker is not None and needs_push(user):
        pending = second_factor.begin(user, hasher.hash(new), client=client, now=now, broker=broker)
        return ChangeOutcome(user=user, pending=pending)
    apply_new_password(user, new, hasher=hasher, now=now, client=client, reason="change")
    return ChangeOutcome(user=user)
