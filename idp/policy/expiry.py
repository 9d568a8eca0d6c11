"""Maximum password age (a forced change at the next sign-in)."""

from __future__ import annotations

from datetime import datetime, timedelta

from idp.policy.model import PasswordPolicy

__all__ = ["expires_at", "is_expired"]


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def expires_at(changed_at: datetime, policy: PasswordPolicy) -> datetime | None:
    """When a password set at ``changed_at`` must be changed, or None if it never expires."""
    _require_aware(changed_at, "changed_at")
    if policy.max_age_days is None:
        return None
    return changed_at + timedelta(days=policy.max_age_days)


def is_expired(changed_at: datetime | None, policy: PasswordPolicy, *, now: datetime) -> bool:
    """True once ``max_age_days`` have passed since ``changed_at`` (the boundary included).

    A password whose change date is unknown counts as expired when the realm has a maximum
    age: forcing one extra change is safer than letting it live forever.
    """
    _require_aware(now, "now")
    if policy.max_age_days is None:
        return False
    if changed_at is None:
        return True
    deadline = expires_at(changed_at, policy)
    return deadline is not None and now >= deadline
