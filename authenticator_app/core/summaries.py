"""Stable, secret-free JSON views of accounts, codes and challenges.

What ``--json`` prints and what a presenter shows. Members are only ever added (never renamed
or removed) without bumping :data:`SUMMARY_VERSION`. No private key, OTP secret or nonce ever
appears here; a one-time code does (it is what the user asked for).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from authenticator_app.core.accounts import Account
from authenticator_app.core.challenges import Dropped, PendingChallenge
from authenticator_app.core.errors import ChallengeRefused
from authenticator_app.core.otp import OtpCode
from shared.timing import from_unix_time

__all__ = [
    "SUMMARY_VERSION",
    "account_summary",
    "challenge_line",
    "challenge_summary",
    "code_summary",
    "dropped_summary",
    "refusal_summary",
]

SUMMARY_VERSION: Final = 1


def account_summary(account: Account) -> dict[str, Any]:
    push = account.push
    otp = account.otp
    pipush = account.pipush
    return {
        "id": account.id,
        "label": account.label,
        "issuer": account.issuer,
        "name": account.name,
        "kinds": list(account.kinds),
        "added_at": account.added_at.isoformat(),
        "push": None
        if push is None
        else {
            "device_id": push.device_id,
            "device_name": push.device_name,
            "realm": push.realm,
            "realm_url": push.realm_url,
            "api_url": push.api_url,
            "profile_url": push.profile_url,
            "change_password_url": push.change_password_url,
            "matching_mode": push.matching_mode,
            "enrolled_at": push.enrolled_at.isoformat(),
        },
        "pipush": None
        if pipush is None
        else {
            "serial": pipush.serial,
            "url": pipush.url,
            "sslverify": pipush.sslverify,
            "poll_only": pipush.poll_only,
            "enrolled_at": pipush.enrolled_at.isoformat(),
        },
        "otp": None
        if otp is None
        else {
            "type": otp.type,
            "digits": otp.digits,
            "algorithm": otp.algorithm,
            "period": otp.period if otp.type == "totp" else None,
            "counter": otp.counter if otp.type == "hotp" else None,
        },
    }


def code_summary(account: Account, code: OtpCode) -> dict[str, Any]:
    return {
        "account_id": account.id,
        "label": account.label,
        "type": code.type,
        "code": code.code,
        "period": code.period,
        "remaining": code.remaining,
    }


def _context_time(value: int | str) -> str:
    return from_unix_time(value).isoformat() if isinstance(value, int) else value


def challenge_summary(pending: PendingChallenge, *, now: datetime) -> dict[str, Any]:
    """A verified challenge: what the user needs to decide, and nothing secret."""
    challenge = pending.challenge
    context = challenge.context
    return {
        "event": "challenge",
        "challenge_id": challenge.challenge_id,
        "account_id": pending.account.id,
        "label": pending.account.label,
        "realm": challenge.realm,
        "user": challenge.user,
        "purpose": challenge.purpose,
        "service": context.service,
        "client_ip": context.client_ip,
        "location": context.location,
        "browser": context.browser,
        "time": _context_time(context.time),
        "matching": {"mode": challenge.matching.mode, "choices": challenge.matching.choices},
        "issued_at": challenge.issued_at.isoformat(),
        "expires_at": challenge.expires_at.isoformat(),
        "expires_in": max(0, challenge.exp - int(now.timestamp())),
    }


def refusal_summary(refusal: ChallengeRefused) -> dict[str, Any]:
    """A refused challenge; ``challenge_id`` is as claimed (unverified) and may be null."""
    return {
        "event": "refused",
        "challenge_id": refusal.challenge_id,
        "account_id": refusal.account_id,
        "error": refusal.code,
        "message": refusal.message,
    }


def dropped_summary(dropped: Dropped) -> dict[str, Any]:
    return {
        "event": "dropped",
        "challenge_id": dropped.challenge_id,
        "account_id": dropped.account_id,
        "reason": dropped.reason,
    }


def challenge_line(pending: PendingChallenge, *, now: datetime) -> str:
    """One line of plain text about a challenge (the headless command's non-JSON output)."""
    view = challenge_summary(pending, now=now)
    matching = view["matching"]
    numbers = f" {matching['choices']}" if matching["choices"] else ""
    origin = ", ".join(str(v) for v in (view["client_ip"], view["location"], view["browser"]) if v)
    return (
        f"{view['challenge_id']}  {view['label']}  {view['purpose']}  {view['service']}"
        f"  from {origin or 'unknown'}  matching {matching['mode']}{numbers}"
        f"  expires in {view['expires_in']} s"
    )
