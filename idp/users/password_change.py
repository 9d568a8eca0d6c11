"""Check a candidate password for a user and apply it: shared by every journey that sets one.

Security: the policy check sees the current hash and the history (argon2id, newest first) so
"not one of the last N" is enforced; applying a password bumps the session generation, which
ends every session of the user, and is audited. The user is then mailed a "your password was
changed" notice when they have an address; a delivery failure does not undo the change.
"""

from __future__ import annotations

from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.mail.notices import notify_password_changed
from idp.models import User
from idp.policy import PasswordPolicy, Violation, evaluate
from idp.security.passwords import Hasher
from idp.users.service import set_password_hash

__all__ = [
    "apply_new_password",
    "apply_password_hash",
    "names_of",
    "previous_hashes",
    "violations_for",
]


def names_of(user: User) -> list[str]:
    names = [user.attribute("first_name"), user.attribute("last_name")]
    names += user.display_name.split() if user.display_name else []
    return [n for n in names if n]


def previous_hashes(user: User, policy: PasswordPolicy) -> list[str]:
    """The current hash and the history, newest first, as many as the policy remembers."""
    previous = [user.password_hash] if user.password_hash else []
    previous += [h.password_hash for h in user.password_history]
    return previous[: policy.history]


def violations_for(
    user: User, candidate: str, policy: PasswordPolicy, *, hasher: Hasher
) -> list[Violation]:
    """Every rule of ``policy`` that ``candidate`` breaks for ``user``."""
    return evaluate(
        candidate,
        policy,
        login=user.username,
        names=names_of(user),
        previous_hashes=previous_hashes(user, policy),
        verify_hash=hasher.verify,
    )


def apply_new_password(
    user: User,
    new_password: str,
    *,
    hasher: Hasher,
    now: datetime,
    client: ClientInfo,
    reason: str,
) -> None:
    """Set the password (history kept, sessions ended), audit it and mail the notice.

    The caller commits. The notice is best effort (``notify_password_changed``): a failing or
    slow SMTP server is logged and audited as ``mail_failed``, and the change stands.
    """
    apply_password_hash(user, hasher.hash(new_password), now=now, client=client, reason=reason)


def apply_password_hash(
    user: User, new_hash: str, *, now: datetime, client: ClientInfo, reason: str
) -> None:
    """``apply_new_password`` with a hash computed earlier (background propagation)."""
    set_password_hash(user, new_hash, now=now)
    record(
        "password_changed",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"reason": reason, "sessions_ended": True},
    )
    notify_password_changed(user, now=now, client=client)
