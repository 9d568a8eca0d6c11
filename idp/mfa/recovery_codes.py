"""Recovery codes: ten single-use codes for when the phone is lost (Duo, Keycloak, GitHub).

Security decisions:
- 80 random bits per code (16 Crockford Base32 characters, shown as ``XXXX-XXXX-XXXX-XXXX``):
  too many to guess online or to brute-force from a stolen hash, so a plain SHA-256 of the
  user id and the normalized code is enough, and needs no key that a rotation could lose.
- Shown once, when made; only hashes are stored. Making new ones voids the old ones.
- Use is one conditional UPDATE (``used_at IS NULL``): a code cannot serve twice, even when
  two requests race. Wrong codes count towards the second-factor lock (idp.mfa.lock).
- Every use is audited and mailed to the user's address (someone else may have used it).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, func, select, update

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.mfa import lock
from idp.mfa.errors import RecoveryCodeInvalid
from idp.models import RecoveryCode, User

__all__ = [
    "ALPHABET",
    "COUNT",
    "generate",
    "has_codes",
    "normalize",
    "remaining",
    "use",
]

COUNT = 10
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_LENGTH = 16
# What people mistype, per Crockford: I and L read as 1, O as 0.
_FOLD = str.maketrans({"I": "1", "L": "1", "O": "0"})


def normalize(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum()).translate(_FOLD)


def _hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{normalize(code)}".encode()).hexdigest()


def _format(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def generate(
    user: User,
    *,
    now: datetime,
    client: ClientInfo | None,
    rng: Callable[[int], int] = secrets.randbelow,
) -> list[str]:
    """Ten new codes for ``user`` (returned once, to show); the old ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(COUNT):
        raw = "".join(ALPHABET[rng(len(ALPHABET))] for _ in range(_LENGTH))
        codes.append(_format(raw))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(user.id, raw), created_at=now))
    record(
        "recovery_codes_generated",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"count": COUNT},
    )
    from flask_babel import lazy_gettext as _l

    from idp.mail.notices import notify_security_info_changed

    notify_security_info_changed(
        user,
        change=_l(
            "De nouveaux codes de récupération ont été générés ; les précédents ne "
            "fonctionnent plus."
        ),
        key=f"recovery_codes:{now.isoformat()}",
        now=now,
        client=client or ClientInfo(),
    )
    return codes


def remaining(user: User) -> int:
    count = db.session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return int(count or 0)


def has_codes(user: User) -> bool:
    """Whether codes were ever made for ``user`` (used ones included)."""
    found = db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id))
    return found is not None


def use(user: User, code: str, *, now: datetime, client: ClientInfo | None, purpose: str) -> int:
    """Spend one code; returns how many remain. Raises SecondFactorLocked or
    RecoveryCodeInvalid (unknown, used or malformed: one answer)."""
    state = lock.check_unlocked(user, now=now)
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(user.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        lock.note_failure(
            user, now=now, client=client, method="recovery_code", reason="recovery_code_invalid"
        )
        raise RecoveryCodeInvalid("unknown or used recovery code")
    if state.failures:
        lock.note_success(user, now=now)
    left = remaining(user)
    record(
        "recovery_code_used",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"purpose": purpose, "remaining": left},
    )
    _notify(user, now=now, client=client, remaining=left)
    return left


def _notify(user: User, *, now: datetime, client: ClientInfo | None, remaining: int) -> None:
    from idp.mail.notices import notify_recovery_code_used

    notify_recovery_code_used(user, now=now, client=client or ClientInfo(), remaining=remaining)
