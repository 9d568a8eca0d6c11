""" "Activer mon compte" (seed 004): first activation of a pre-provisioned account.

Identify by number and date of birth (the same message for every mismatch, an already active
account included), then choose the question joker and its answer, set the first password
under the realm's policy, and accept the internal rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from idp.audit.service import ClientInfo, record
from idp.models import User
from idp.policy import Violation
from idp.realms.schema import RealmPreset
from idp.security.passwords import Hasher
from idp.users.attributes import validate_attributes
from idp.users.password_change import apply_new_password, violations_for
from idp.users.service import set_attributes

__all__ = ["ACTIVATION_TTL", "QUESTIONS", "activate"]

ACTIVATION_TTL = timedelta(minutes=15)
QUESTIONS = (
    "Quel est le nom de votre premier animal de compagnie ?",
    "Dans quelle ville êtes-vous né ?",
    "Quel est le prénom de votre grand-mère maternelle ?",
    "Quel était le nom de votre école primaire ?",
    "Quel est votre plat préféré ?",
)


def activate(
    user: User,
    preset: RealmPreset,
    *,
    question: str,
    answer: str,
    password: str,
    hasher: Hasher,
    now: datetime,
    client: ClientInfo,
) -> list[Violation]:
    """Activate ``user``; returns the violated password rules (then nothing changed)."""
    violations = violations_for(user, password, preset.password_policy, hasher=hasher)
    if violations:
        return violations
    clean = validate_attributes(
        {"secret_question": question, "secret_answer": answer}, today=now.date()
    )
    set_attributes(user, clean, hasher=hasher)
    apply_new_password(user, password, hasher=hasher, now=now, client=client, reason="activation")
    user.activated = True
    record(
        "account_activated",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
    )
    return []
