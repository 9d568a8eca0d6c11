"""Push challenges: create (with supersede and the push-bombing cap), list, decide.

Security decisions:
- The challenge lives in the database; devices get per-device signed copies (ES256, realm
  key) and the number is never sent to the device in ``typed`` mode.
- A decision is verified against the deciding device's registered key, must echo the nonce
  (constant-time compare), carry the right number, and lands with a conditional UPDATE on
  ``status = 'pending'``: each challenge is decided exactly once, whatever the concurrency.
- A wrong number fails the challenge (no second guess), as in Entra.
- "Non, ce n'est pas moi" (report) is audited as suspicious and can block push-based
  recovery for the user for the realm's ``report_blocks_recovery_seconds``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.models import Challenge, Device, Realm, User
from idp.push.broker import Broker
from idp.push.context import make_context
from idp.push.device_auth import remember_jti
from idp.push.errors import (
    ChallengeAlreadyDecided,
    ChallengeExpired,
    ChallengeNotFound,
    ChallengeSuperseded,
    NoDevice,
    NonceMismatch,
    NumberMismatch,
    NumberRequired,
    PushBlocked,
    PushRateLimited,
)
from idp.push.signing import sign_challenge_for
from idp.realms.store import preset_of
from shared.addresses import realm_url
from shared.identifiers import new_identifier, new_nonce, same_secret
from shared.jws import verify
from shared.keys import load_public_jwk
from shared.messages import ChallengeHint, PushDecision

__all__ = [
    "DecisionResult",
    "active_devices",
    "create_challenge",
    "decide",
    "pending_tokens",
    "refresh_status",
]

DECIDED = {"approved", "denied", "reported", "failed"}


@dataclass(frozen=True)
class DecisionResult:
    challenge_id: str
    status: str


def active_devices(user: User) -> list[Device]:
    return list(
        db.session.scalars(
            select(Device)
            .where(Device.user_id == user.id, Device.revoked_at.is_(None))
            .order_by(Device.enrolled_at)
        )
    )


def _ids(devices: Sequence[Device]) -> list[str]:
    return [d.id for d in devices]


def create_challenge(
    user: User,
    *,
    purpose: str,
    service: str,
    client: ClientInfo,
    now: datetime,
    broker: Broker,
    rng: random.Random | None = None,
    flow_id: str | None = None,
) -> Challenge:
    """Send a new challenge to every device of ``user``; older pending ones are superseded."""
    realm = user.realm
    settings = preset_of(realm).push
    devices = active_devices(user)
    if not devices:
        raise NoDevice("no authenticator is enrolled for this account")
    if purpose == "password_reset" and user.push_blocked_until and user.push_blocked_until > now:
        raise PushBlocked("push-based recovery is blocked after a reported attempt")
    window_start = now - timedelta(seconds=settings.window_seconds)
    recent = (
        db.session.scalar(
            select(func.count())
            .select_from(Challenge)
            .where(Challenge.user_id == user.id, Challenge.created_at > window_start)
        )
        or 0
    )
    if recent >= settings.max_challenges:
        oldest = db.session.scalar(
            select(func.min(Challenge.created_at)).where(
                Challenge.user_id == user.id, Challenge.created_at > window_start
            )
        )
        retry = (
            int(
                ((oldest or now) + timedelta(seconds=settings.window_seconds) - now).total_seconds()
            )
            + 1
        )
        record(
            "push_rate_limited",
            "failure",
            now=now,
            realm=realm.slug,
            user=user,
            client=client,
            details={"purpose": purpose},
        )
        raise PushRateLimited("too many notifications for this account", retry_after=retry)
    rng = rng or random.SystemRandom()
    superseded = list(
        db.session.scalars(
            select(Challenge.id).where(
                Challenge.user_id == user.id,
                Challenge.purpose == purpose,
                Challenge.status == "pending",
            )
        )
    )
    if superseded:
        db.session.execute(
            update(Challenge)
            .where(Challenge.id.in_(superseded))
            .values(status="superseded", decided_at=now)
        )
    number = rng.randint(10, 99)
    choices = None
    if settings.matching_mode == "choose":
        choices = [*rng.sample([n for n in range(10, 100) if n != number], 2), number]
        rng.shuffle(choices)
    challenge = Challenge(
        id=new_identifier(),
        realm_id=realm.id,
        user_id=user.id,
        purpose=purpose,
        status="pending",
        matching_mode=settings.matching_mode,
        number=number if settings.matching_mode != "none" else None,
        choices=choices,
        nonce=new_nonce(),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.challenge_ttl_seconds),
        context=make_context(service=service, ip=client.ip, user_agent=client.user_agent, now=now),
        flow_id=flow_id,
    )
    db.session.add(challenge)
    record(
        "push_challenge_created",
        "info",
        now=now,
        realm=realm.slug,
        user=user,
        client=client,
        details={
            "challenge_id": challenge.id,
            "purpose": purpose,
            "devices": len(devices),
            "superseded": len(superseded),
        },
    )
    db.session.commit()
    for old in superseded:
        broker.publish(_ids(devices), ChallengeHint(challenge_id=old, event="superseded"))
    broker.publish(_ids(devices), ChallengeHint(challenge_id=challenge.id, event="challenge"))
    return challenge


def refresh_status(challenge: Challenge, *, now: datetime) -> str:
    """The challenge's status, marking it expired when its time is up."""
    if challenge.status == "pending" and challenge.expires_at <= now:
        db.session.execute(
            update(Challenge)
            .where(Challenge.id == challenge.id, Challenge.status == "pending")
            .values(status="expired")
        )
        db.session.commit()
        db.session.refresh(challenge)
    return challenge.status


def pending_tokens(device: Device, *, base_url: str, now: datetime) -> list[str]:
    """Signed copies, for this device, of its user's pending unexpired challenges."""
    user = device.user
    rows = db.session.scalars(
        select(Challenge)
        .where(
            Challenge.user_id == user.id, Challenge.status == "pending", Challenge.expires_at > now
        )
        .order_by(Challenge.created_at)
    )
    return [
        sign_challenge_for(c, device, user, user.realm, base_url=base_url, now=now) for c in rows
    ]


def decide(
    device: Device,
    token: str,
    *,
    realm: Realm,
    base_url: str,
    now: datetime,
    client: ClientInfo,
    broker: Broker,
) -> DecisionResult:
    user = device.user
    decision = verify(
        token,
        keys={device.id: load_public_jwk(device.public_jwk)},
        model=PushDecision,
        audience=realm_url(base_url, realm.slug),
        issuer=device.id,
        now=now,
    )
    remember_jti(decision.jti, issuer=device.id, expires_at=decision.expires_at)
    challenge = db.session.get(Challenge, decision.challenge_id)
    if challenge is None or challenge.user_id != user.id:
        raise ChallengeNotFound("no such challenge for this device")
    status = refresh_status(challenge, now=now)
    if status == "expired":
        raise ChallengeExpired("the challenge has expired")
    if status == "superseded":
        raise ChallengeSuperseded("a newer challenge replaced this one")
    if status != "pending":
        raise ChallengeAlreadyDecided(f"the challenge was already {status}")
    if not same_secret(decision.nonce, challenge.nonce):
        raise NonceMismatch("the decision does not answer this challenge")
    audit = {"challenge_id": challenge.id, "device_id": device.id, "purpose": challenge.purpose}
    if decision.decision == "approve":
        if challenge.matching_mode != "none" and decision.number is None:
            raise NumberRequired("type the number shown in the browser")
        if challenge.matching_mode != "none" and not same_secret(
            str(decision.number), str(challenge.number)
        ):
            _land(challenge, "failed", device, now, failure="number_mismatch")
            record(
                "push_number_mismatch",
                "failure",
                now=now,
                realm=realm.slug,
                user=user,
                client=client,
                details=audit,
            )
            db.session.commit()
            _announce(device, challenge, broker)
            raise NumberMismatch("the number does not match the one shown in the browser")
        new_status, event, outcome = "approved", "push_approved", "success"
    elif decision.decision == "deny":
        new_status, event, outcome = "denied", "push_denied", "failure"
    else:
        new_status, event, outcome = "reported", "push_reported", "suspicious"
        blocked = preset_of(realm).push.report_blocks_recovery_seconds
        if blocked:
            user.push_blocked_until = now + timedelta(seconds=blocked)
            audit["recovery_blocked_until"] = user.push_blocked_until.isoformat()
    _land(challenge, new_status, device, now)
    record(
        event,
        outcome,
        now=now,
        realm=realm.slug,
        user=user,
        client=client,
        details=audit,
    )
    db.session.commit()
    _announce(device, challenge, broker)
    return DecisionResult(challenge.id, new_status)


def _land(
    challenge: Challenge, status: str, device: Device, now: datetime, failure: str | None = None
) -> None:
    landed = db.session.execute(
        update(Challenge)
        .where(Challenge.id == challenge.id, Challenge.status == "pending")
        .values(status=status, decided_at=now, decided_by=device.id, failure_code=failure)
    )
    if landed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise ChallengeAlreadyDecided("the challenge was decided meanwhile")


def _announce(device: Device, challenge: Challenge, broker: Broker) -> None:
    broker.publish(
        _ids(active_devices(device.user)), ChallengeHint(challenge_id=challenge.id, event="decided")
    )
