"""The faults that alter a ``pending`` answer: a corrupted signature, a stale copy (a decided
or superseded challenge signed anew) and an expired copy (signed with times in the past)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select

from idp.extensions import db
from idp.faults.runtime import FaultBox
from idp.faults.store import ActiveFault
from idp.faults.tamper import corrupt_signature, expired_view_times
from idp.models import Challenge, Device
from idp.push.signing import ChallengeView, sign_challenge
from idp.realms.cache import RealmRef
from shared.errors import ProtocolError
from shared.jws import unverified_claims

__all__ = ["PENDING_FAULTS", "tamper_pending"]

PENDING_FAULTS = ("corrupt_signature", "stale_pending", "expired_pending")
_ENDED = ("approved", "denied", "reported", "failed", "superseded", "expired")


def _challenge_id(token: str) -> str | None:
    try:
        value = unverified_claims(token).get("challenge_id")
    except ProtocolError:
        return None
    return value if isinstance(value, str) else None


def _history(device: Device) -> Select[Any]:
    return (
        select(*ChallengeView.columns(), Challenge.status)
        .where(Challenge.user_id == device.user_id)
        .order_by(Challenge.created_at.desc())
        .limit(1)
    )


@dataclasses.dataclass
class _Pending:
    faults: FaultBox
    device: Device
    realm: RealmRef
    base_url: str
    now: datetime
    tokens: list[str]
    injected: dict[str, str] = dataclasses.field(default_factory=dict)

    def sign(self, view: ChallengeView, *, at: datetime) -> str:
        return sign_challenge(
            view,
            self.device.id,
            self.device.user.username,
            self.realm,
            base_url=self.base_url,
            now=at,
        )

    def add(self, fault: ActiveFault, token: str, challenge_id: str, detail: str) -> None:
        self.injected[token] = fault.kind
        self.faults.record(
            fault, challenge_id=challenge_id, device_id=self.device.id, detail=detail
        )

    def corrupt(self, fault: ActiveFault) -> None:
        if not self.tokens or not self.faults.fire(fault):
            return
        self.tokens = [corrupt_signature(t) for t in self.tokens]
        for token in self.tokens:
            self.add(
                fault,
                token,
                _challenge_id(token) or "",
                "one bit of the challenge's signature flipped (pending)",
            )

    def stale(self, fault: ActiveFault) -> None:
        row = db.session.execute(_history(self.device).where(Challenge.status.in_(_ENDED))).first()
        if row is None or not self.faults.fire(fault):
            return
        ttl = timedelta(seconds=self.realm.preset.push.challenge_ttl_seconds)
        view = dataclasses.replace(ChallengeView(*row[:-1]), expires_at=self.now + ttl)
        token = self.sign(view, at=self.now)
        self.tokens.append(token)
        self.add(
            fault,
            token,
            view.id,
            f"pending lists challenge {view.id} again ({row[-1]}), signed anew",
        )

    def expired(self, fault: ActiveFault) -> None:
        row = db.session.execute(_history(self.device)).first()
        if row is None or not self.faults.fire(fault):
            return
        ttl = timedelta(seconds=self.realm.preset.push.challenge_ttl_seconds)
        signed_at, expires_at = expired_view_times(self.now, ttl)
        view = dataclasses.replace(ChallengeView(*row[:-1]), expires_at=expires_at)
        token = self.sign(view, at=signed_at)
        self.tokens.insert(0, token)
        self.add(
            fault,
            token,
            view.id,
            f"pending lists a copy of {view.id} that expired at {expires_at.isoformat()}",
        )


def tamper_pending(
    faults: FaultBox,
    device: Device,
    tokens: list[str],
    *,
    realm: RealmRef,
    base_url: str,
    now: datetime,
) -> tuple[list[str], dict[str, str]]:
    """The tokens ``pending`` answers once the device's faults applied, and which token each
    fault injected (token -> fault kind)."""
    found = faults.by_kind(device.id, PENDING_FAULTS)
    if not found:
        return tokens, {}
    work = _Pending(faults, device, realm, base_url, now, list(tokens))
    if (fault := found.get("corrupt_signature")) is not None:
        work.corrupt(fault)
    if (fault := found.get("stale_pending")) is not None:
        work.stale(fault)
    if (fault := found.get("expired_pending")) is not None:
        work.expired(fault)
    return work.tokens, work.injected
