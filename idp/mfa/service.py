"""Devices of an account, and the push step of sign-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.mfa.lock import check_unlocked
from idp.mfa.totp import active_devices, code_devices
from idp.models import Challenge, Device, User
from idp.push.broker import Broker
from idp.push.challenges import NewChallenge, create_challenge, refresh_status
from idp.realms.store import preset_of

__all__ = [
    "needs_push",
    "remove_device",
    "second_factor_methods",
    "sign_in_challenge",
    "sign_in_status",
    "step_up_methods",
]


def needs_push(user: User) -> bool:
    """Push is the second factor at sign-in when the realm says so and a device exists."""
    settings = preset_of(user.realm).push
    return settings.enabled and settings.sign_in_second_factor and bool(active_devices(user))


def second_factor_methods(user: User, devices: Sequence[Device] | None = None) -> list[str]:
    """The sign-in second factors offered to ``user``, first one first ([] = none asked).

    ``devices``: the user's active devices (idp.mfa.totp.active_devices) when the caller
    already loaded them. ``totp.sign_in`` orders them; ``totp_only`` still falls back to push
    for a device that was enrolled without a seed, rather than locking its owner out.
    """
    preset = preset_of(user.realm)
    devices = active_devices(user) if devices is None else devices
    push = preset.push.enabled and preset.push.sign_in_second_factor and bool(devices)
    codes = (
        preset.push.sign_in_second_factor
        and preset.push.offer_totp
        and bool(code_devices(user, devices))
    )
    order = preset.totp.sign_in
    if order == "totp_only":
        return ["totp"] if codes else (["push"] if push else [])
    methods = [m for m, ok in (("push", push), ("totp", codes)) if ok]
    return methods[::-1] if order == "totp_first" else methods


def step_up_methods(user: User) -> list[str]:
    """The second factors ``user`` can prove on a signed-in session (step-up), whether or not
    the realm's sign-in asks for one; in the realm's order ([totp] sign_in)."""
    preset = preset_of(user.realm)
    push = preset.push.enabled and bool(active_devices(user))
    codes = preset.push.enabled and preset.push.offer_totp and bool(code_devices(user))
    methods = [m for m, ok in (("push", push), ("totp", codes)) if ok]
    return methods[::-1] if preset.totp.sign_in in ("totp_first", "totp_only") else methods


def sign_in_challenge(
    user: User, *, client: ClientInfo, now: datetime, broker: Broker
) -> NewChallenge:
    # A lock earned by wrong codes holds for pushes too (idp.mfa.lock).
    check_unlocked(user, now=now)
    service = f"{preset_of(user.realm).display_name} – connexion"
    return create_challenge(
        user, purpose="sign_in", service=service, client=client, now=now, broker=broker
    )


def sign_in_status(challenge_id: str, user_id: int, *, now: datetime) -> tuple[Challenge, str]:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.user_id != user_id or challenge.purpose != "sign_in":
        raise LookupError("no such sign-in challenge")
    return challenge, refresh_status(challenge, now=now)


def remove_device(device: Device, *, now: datetime, client: ClientInfo, by: str) -> None:
    device.revoked_at = now
    record(
        "device_removed",
        "success",
        now=now,
        realm=device.user.realm.slug,
        actor=device.user.username,
        user_id=device.user_id,
        client=client,
        details={"device_id": device.id, "device_name": device.name, "by": by},
    )
