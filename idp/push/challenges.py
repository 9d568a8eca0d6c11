"""Push challenges: create (with supersede and the push-bombing cap), list, decide.

Security decisions:
- The challenge lives in the database; devices get per-device signed copies (ES256, realm
  key), in the SSE event itself and in ``pending``; the number is never sent to the device in
  ``typed`` mode.
- Creation takes the user's row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
  serializes writers): the push cap is counted and the new challenge inserted in one
  transaction, so concurrent triggers on any number of workers never exceed it, and at most one
  challenge per user and purpose is pending.
- A decision is verified against the deciding device's registered key and lands with one
  ``UPDATE ... RETURNING`` conditional on ``status = 'pending'``, the challenge's user, its
  nonce and its expiry: each challenge is decided exactly once, whatever the concurrency. A
  wrong number lands as ``failed`` in the same statement (no second guess, as in Entra). The
  nonce is compared by the database: the decision carrying it is signed by the device key and
  single use, so no timing probe can be made without the device's key.
- "Non, ce n'est pas moi" (report) is audited as suspicious and can block push-based
  recovery for the user for the realm's ``report_blocks_recovery_seconds``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

from flask import current_app
from sqlalchemy import Connection, bindparam, case, func, literal, select, update
from sqlalchemy.orm.attributes import set_committed_value

from idp.audit.service import ClientInfo, record, record_now
from idp.extensions import db
from idp.models import Challenge, Device, User
from idp.prepared import Prepared
from idp.push.broker import Broker, BrokerUnavailable, Delivery, user_address
from idp.push.device_auth import DeviceRef
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
from idp.push.signing import ChallengeView, sign_challenge
from idp.realms.cache import RealmCache, RealmRef
from idp.realms.store import load_realm_ref
from shared.identifiers import new_identifier, new_nonce
from shared.messages import ChallengeHint, PushDecision

__all__ = [
    "ChallengeState",
    "DecisionResult",
    "NewChallenge",
    "PushUser",
    "active_device_ids",
    "active_devices",
    "create_challenge",
    "decide",
    "pending_tokens",
    "realm_ref",
    "refresh_status",
    "status_of",
]

DECIDED = {"approved", "denied", "reported", "failed"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DecisionResult:
    challenge_id: str
    status: str


@dataclass(frozen=True, slots=True)
class NewChallenge:
    """A challenge just created: the values of its row, as a plain object (an ORM instance
    cost more to build than the statements that wrote it, and had nothing to flush)."""

    id: str
    realm_id: int
    user_id: int
    purpose: str
    status: str
    matching_mode: str
    number: int | None
    choices: list[int] | None
    nonce: str
    created_at: datetime
    expires_at: datetime
    context: dict[str, Any]
    flow_id: str | None


@dataclass(frozen=True)
class PushUser:
    """Whom a challenge is for: what creating it needs, without an ORM object."""

    id: int
    username: str
    realm_slug: str

    @classmethod
    def of(cls, user: User) -> PushUser:
        return cls(user.id, user.username, user.realm.slug)


def realm_ref(slug: str) -> RealmRef:
    """The cached snapshot of a realm that exists (the caller holds its ORM row)."""
    cache: RealmCache[RealmRef] | None = current_app.extensions.get("idp.realm_cache")
    ref = cache.get(slug) if cache is not None else load_realm_ref(slug)
    if ref is None:  # pragma: no cover - import_preset always makes a key
        raise RuntimeError(f"realm {slug} has no signing key")
    return ref


def active_devices(user: User) -> list[Device]:
    return list(
        db.session.scalars(
            select(Device)
            .where(Device.user_id == user.id, Device.revoked_at.is_(None))
            .order_by(Device.enrolled_at)
        )
    )


# The hot path's statements are built once and run on the session's connection (in its
# transaction): no ORM unit of work, no statement construction per request.
_DEVICE_IDS = Prepared(
    select(Device.id)
    .where(Device.user_id == bindparam("user_id"), Device.revoked_at.is_(None))
    .order_by(Device.enrolled_at)
)
_LOCK_USER = Prepared(
    select(User.push_blocked_until).where(User.id == bindparam("user_id")).with_for_update()
)
_IN_WINDOW = Challenge.created_at > bindparam("since")
_PENDING_SAME_PURPOSE = (Challenge.status == "pending") & (
    Challenge.purpose == bindparam("purpose")
)
# Under the user's lock: how many challenges in the cap's window (and the oldest), and whether
# one of this purpose is pending (none, usually: then there is nothing to supersede).
_RECENT = Prepared(
    select(
        func.coalesce(func.sum(case((_IN_WINDOW, 1), else_=0)), 0),
        func.min(case((_IN_WINDOW, Challenge.created_at), else_=None)),
        func.coalesce(func.sum(case((_PENDING_SAME_PURPOSE, 1), else_=0)), 0),
    ).where(Challenge.user_id == bindparam("user_id"), _IN_WINDOW | _PENDING_SAME_PURPOSE)
)
_SUPERSEDE = Prepared(
    update(Challenge)
    .where(
        Challenge.user_id == bindparam("b_user"),
        Challenge.purpose == bindparam("b_purpose"),
        Challenge.status == "pending",
    )
    .values(status="superseded", decided_at=bindparam("b_now"))
    .returning(Challenge.id)
)
_INSERT = Prepared.insert(Challenge.__table__)
_NEW_CHALLENGE_FIELDS = tuple(NewChallenge.__dataclass_fields__)


def _conn() -> Connection:
    return db.session.connection()


def active_device_ids(user_id: int, conn: Connection | None = None) -> list[str]:
    return [row.id for row in _DEVICE_IDS.rows(conn or _conn(), {"user_id": user_id})]


def create_challenge(
    user: User | PushUser,
    *,
    purpose: str,
    service: str,
    client: ClientInfo,
    now: datetime,
    broker: Broker,
    rng: random.Random | None = None,
    flow_id: str | None = None,
) -> NewChallenge:
    """Send a new challenge to every device of ``user``; older pending ones are superseded."""
    if isinstance(user, User):
        user = PushUser.of(user)
    realm = realm_ref(user.realm_slug)
    settings = realm.preset.push
    conn = _conn()  # once: each call through the scoped session costs about 20 us
    devices = active_device_ids(user.id, conn)
    if not devices:
        raise NoDevice("no authenticator is enrolled for this account")
    # The user's row lock: the count below and the insert are one step for concurrent triggers.
    (blocked_until,) = _LOCK_USER.first(conn, {"user_id": user.id}) or (None,)
    if purpose == "password_reset" and blocked_until and blocked_until > now:
        raise PushBlocked("push-based recovery is blocked after a reported attempt")
    window_start = now - timedelta(seconds=settings.window_seconds)
    [(recent, oldest, pending)] = _RECENT.rows(  # an aggregate: always one row
        conn, {"user_id": user.id, "since": window_start, "purpose": purpose}
    )
    if recent >= settings.max_challenges:
        reopen = (oldest or now) + timedelta(seconds=settings.window_seconds)
        record(
            "push_rate_limited",
            "failure",
            now=now,
            realm=realm.slug,
            actor=user.username,
            user_id=user.id,
            client=client,
            details={"purpose": purpose},
        )
        db.session.commit()
        raise PushRateLimited(
            "too many notifications for this account",
            retry_after=int((reopen - now).total_seconds()) + 1,
        )
    rng = rng or random.SystemRandom()
    superseded = (
        [
            row.id
            for row in _SUPERSEDE.rows(
                conn, {"b_user": user.id, "b_purpose": purpose, "b_now": now}
            )
        ]
        if pending
        else []
    )
    number = rng.randint(10, 99)
    choices = None
    if settings.matching_mode == "choose":
        choices = [*rng.sample([n for n in range(10, 100) if n != number], 2), number]
        rng.shuffle(choices)
    values: dict[str, Any] = {  # every column of the table (_INSERT)
        "id": new_identifier(),
        "realm_id": realm.id,
        "user_id": user.id,
        "purpose": purpose,
        "status": "pending",
        "matching_mode": settings.matching_mode,
        "number": number if settings.matching_mode != "none" else None,
        "choices": choices,
        "nonce": new_nonce(),
        "created_at": now,
        "expires_at": now + timedelta(seconds=settings.challenge_ttl_seconds),
        "context": _context(service, client, now),
        "flow_id": flow_id,
        "decided_at": None,
        "decided_by": None,
        "failure_code": None,
    }
    _INSERT.run(conn, values)
    record_now(
        "push_challenge_created",
        "info",
        conn=conn,
        now=now,
        realm=realm.slug,
        actor=user.username,
        user_id=user.id,
        client=client,
        details={
            "challenge_id": values["id"],
            "purpose": purpose,
            "devices": len(devices),
            "superseded": len(superseded),
        },
    )
    db.session.commit()
    # A plain object for the caller (not in the session: nothing to flush or refresh).
    challenge = NewChallenge(**{name: values[name] for name in _NEW_CHALLENGE_FIELDS})
    view = ChallengeView.of(challenge)
    base_url = str(current_app.config["BASE_URL"])
    everyone = user_address(user.id)
    deliveries: list[Delivery] = [
        (everyone, ChallengeHint(challenge_id=old, event="superseded")) for old in superseded
    ]
    deliveries += [
        (
            d,
            ChallengeHint(
                challenge_id=challenge.id,
                event="challenge",
                challenge=sign_challenge(view, d, user.username, realm, base_url=base_url, now=now),
            ),
        )
        for d in devices
    ]
    _publish(broker, deliveries)
    return challenge


def _publish(broker: Broker, deliveries: list[Delivery]) -> None:
    """Events after the commit: the challenge is durable, so a broker that is down (Redis
    unreachable) delays devices until they catch up from ``pending`` (the broker's loss ended
    their streams), it does not fail a request whose work is done."""
    try:
        broker.publish(deliveries)
    except BrokerUnavailable as exc:
        log.warning("challenge events not published (%s): devices will catch up", exc)


def _context(service: str, client: ClientInfo, now: datetime) -> dict[str, Any]:
    from idp.push.context import make_context

    return make_context(service=service, ip=client.ip, user_agent=client.user_agent, now=now)


def _expire(challenge_id: str) -> None:
    """Mark a challenge whose time is up as expired (if it is still pending), and commit."""
    db.session.execute(
        update(Challenge)
        .where(Challenge.id == challenge_id, Challenge.status == "pending")
        .values(status="expired"),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()


def refresh_status(challenge: Challenge, *, now: datetime) -> str:
    """The challenge's status, marking it expired when its time is up."""
    if challenge.status == "pending" and challenge.expires_at <= now:
        _expire(challenge.id)
        current = db.session.scalar(select(Challenge.status).where(Challenge.id == challenge.id))
        set_committed_value(challenge, "status", current)
    return challenge.status


_STATUS = Prepared(
    select(Challenge.status, Challenge.failure_code, Challenge.user_id, Challenge.expires_at).where(
        Challenge.id == bindparam("challenge_id")
    )
)


@dataclass(frozen=True)
class ChallengeState:
    status: str
    failure: str | None
    user_id: int
    expires_at: datetime


def status_of(challenge_id: str, *, now: datetime) -> ChallengeState | None:
    """The state of a challenge, marking it expired when its time is up; None when there is
    no such challenge. One read, no ORM object (status polls are frequent), on a connection of
    its own for just that read: a long-poll reads two or three times and gives its connection
    back while it waits, and the session's transaction around each read cost twice the read
    (what it reads is committed: a challenge is created and decided in transactions of their
    own)."""
    with db.engine.connect() as conn:
        row = _STATUS.first(conn, {"challenge_id": challenge_id})
    if row is None:
        return None
    state = ChallengeState(*row)
    if state.status == "pending" and state.expires_at <= now:
        _expire(challenge_id)
        return status_of(challenge_id, now=now)
    return state


_PENDING = Prepared(
    select(*ChallengeView.columns())
    .where(
        Challenge.user_id == bindparam("user_id"),
        Challenge.status == "pending",
        Challenge.expires_at > bindparam("now"),
    )
    .order_by(Challenge.created_at)
)


def pending_tokens(
    device: DeviceRef, realm: RealmRef, *, base_url: str, now: datetime
) -> list[str]:
    """Signed copies, for this device, of its user's pending unexpired challenges."""
    rows = _PENDING.rows(_conn(), {"user_id": device.user_id, "now": now})
    return [
        sign_challenge(
            ChallengeView.from_row(row),
            device.id,
            device.username,
            realm,
            base_url=base_url,
            now=now,
        )
        for row in rows
    ]


def _landing(status: Any, failure: Any, *extra: Any) -> Prepared:
    """``UPDATE challenge ... WHERE <it is this user's, pending, unexpired, this nonce>
    RETURNING status, purpose``: the whole decision in one conditional statement."""
    return Prepared(
        update(Challenge)
        .where(
            Challenge.id == bindparam("b_challenge_id"),
            Challenge.user_id == bindparam("b_user_id"),
            Challenge.status == "pending",
            Challenge.expires_at > bindparam("b_now"),
            Challenge.nonce == bindparam("b_nonce"),
            *extra,
        )
        .values(
            status=status,
            decided_at=bindparam("b_now"),
            decided_by=bindparam("b_device_id"),
            failure_code=failure,
        )
        .returning(Challenge.status, Challenge.purpose)
    )


_MATCHES = (Challenge.matching_mode == "none") | (Challenge.number == bindparam("b_number"))
_APPROVE_WITH_NUMBER = _landing(
    case((_MATCHES, literal("approved")), else_=literal("failed")),
    case((_MATCHES, literal(None)), else_=literal("number_mismatch")),
)
_APPROVE_WITHOUT_NUMBER = _landing("approved", None, Challenge.matching_mode == "none")
_SET_STATUS = _landing(bindparam("b_status"), None)


def decide(
    device: DeviceRef,
    decision: PushDecision,
    *,
    realm: RealmRef,
    now: datetime,
    client: ClientInfo,
    broker: Broker,
) -> DecisionResult:
    """Land a verified decision (see :func:`idp.push.device_auth.authenticate_decision`)."""
    if decision.decision != "approve":
        statement = _SET_STATUS
        params: dict[str, Any] = {
            "b_status": "denied" if decision.decision == "deny" else "reported"
        }
    elif decision.number is None:
        statement, params = _APPROVE_WITHOUT_NUMBER, {}
    else:
        statement, params = _APPROVE_WITH_NUMBER, {"b_number": decision.number}
    conn = _conn()
    landed = statement.first(
        conn,
        {
            **params,
            "b_challenge_id": decision.challenge_id,
            "b_user_id": device.user_id,
            "b_now": now,
            "b_nonce": decision.nonce,
            "b_device_id": device.id,
        },
    )
    if landed is None:
        db.session.rollback()
        _explain_refusal(device, decision, now=now)
    new_status, purpose = landed
    audit: dict[str, Any] = {
        "challenge_id": decision.challenge_id,
        "device_id": device.id,
        "purpose": purpose,
    }
    if new_status == "reported":
        blocked = realm.preset.push.report_blocks_recovery_seconds
        if blocked:
            until = now + timedelta(seconds=blocked)
            conn.execute(
                update(User).where(User.id == device.user_id).values(push_blocked_until=until)
            )
            audit["recovery_blocked_until"] = until.isoformat()
    event, outcome = {
        "approved": ("push_approved", "success"),
        "failed": ("push_number_mismatch", "failure"),
        "denied": ("push_denied", "failure"),
        "reported": ("push_reported", "suspicious"),
    }[new_status]
    record_now(
        event,
        outcome,
        conn=conn,
        now=now,
        realm=realm.slug,
        actor=device.username,
        user_id=device.user_id,
        client=client,
        details=audit,
    )
    db.session.commit()
    hint = ChallengeHint(challenge_id=decision.challenge_id, event="decided")
    _publish(broker, [(user_address(device.user_id), hint)])
    if new_status == "failed":
        raise NumberMismatch("the number does not match the one shown in the browser")
    return DecisionResult(decision.challenge_id, new_status)


def _explain_refusal(device: DeviceRef, decision: PushDecision, *, now: datetime) -> NoReturn:
    """Why the conditional UPDATE landed nothing (the cold path: one more read)."""
    row = db.session.execute(
        select(
            Challenge.user_id,
            Challenge.status,
            Challenge.expires_at,
            Challenge.nonce,
            Challenge.matching_mode,
        ).where(Challenge.id == decision.challenge_id)
    ).first()
    if row is None or row.user_id != device.user_id:
        raise ChallengeNotFound("no such challenge for this device")
    if row.status == "pending" and row.expires_at <= now:
        _expire(decision.challenge_id)
        raise ChallengeExpired("the challenge has expired")
    if row.status == "expired":
        raise ChallengeExpired("the challenge has expired")
    if row.status == "superseded":
        raise ChallengeSuperseded("a newer challenge replaced this one")
    if row.status != "pending":
        raise ChallengeAlreadyDecided(f"the challenge was already {row.status}")
    if row.nonce != decision.nonce:
        raise NonceMismatch("the decision does not answer this challenge")
    if decision.decision == "approve" and decision.number is None:
        raise NumberRequired("type the number shown in the browser")
    raise ChallengeAlreadyDecided("the challenge was decided meanwhile")
