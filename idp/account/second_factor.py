"""A password change confirmed by the second factor (realms that sign in with push).

The current password and the policy are checked first; then, instead of applying the new
password, the IdP keeps its argon2id hash in a server-side ``flow_state`` row (kind
``password_change``) and sends a push notification. The change is applied when that challenge
is approved, once: a conditional UPDATE marks the row completed, so a double poll or two tabs
cannot apply it twice.

Security decisions:
- The browser never holds the new password nor its hash, only the flow id and a binding secret
  whose SHA-256 is stored (as recovery flows do): a flow id alone is worthless.
- A password changed in the meantime (the session generation moved) voids the pending change.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from idp.audit.service import ClientInfo
from idp.extensions import db
from idp.models import FlowState, User
from idp.push.broker import Broker
from idp.push.challenges import NewChallenge, create_challenge
from idp.realms.store import preset_of
from idp.users.password_change import apply_password_hash

__all__ = ["KIND", "PendingChange", "begin", "finish"]

KIND = "password_change"
# Time to approve (and resend a few times) before the pending change is void.
TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class PendingChange:
    flow_id: str
    binding: str
    challenge: NewChallenge


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def challenge_for(user: User, *, client: ClientInfo, now: datetime, broker: Broker) -> NewChallenge:
    service = f"{preset_of(user.realm).display_name} – changement de mot de passe"
    return create_challenge(
        user, purpose="sign_in", service=service, client=client, now=now, broker=broker
    )


def begin(
    user: User, new_hash: str, *, client: ClientInfo, now: datetime, broker: Broker
) -> PendingChange:
    """Keep ``new_hash`` aside and send the push notification (``PushRateLimited`` may rise)."""
    challenge = challenge_for(user, client=client, now=now, broker=broker)
    binding = secrets.token_urlsafe(32)
    row = FlowState(
        id=secrets.token_urlsafe(24),
        realm_id=user.realm_id,
        kind=KIND,
        session_binding=_digest(binding),
        step_index=0,
        version=1,
        user_id=user.id,
        data={"hash": new_hash, "gen": user.session_generation},
        created_at=now,
        expires_at=now + TTL,
    )
    db.session.add(row)
    return PendingChange(row.id, binding, challenge)


def finish(user: User, flow_id: str, binding: str, *, now: datetime, client: ClientInfo) -> bool:
    """Apply the pending change of ``flow_id`` (its challenge was approved); False when it is
    not this browser's, expired, already applied, or the password changed meanwhile."""
    row = db.session.get(FlowState, flow_id)
    if (
        row is None
        or row.kind != KIND
        or row.user_id != user.id
        or not secrets.compare_digest(row.session_binding, _digest(binding))
        or row.expires_at <= now
        or row.data.get("gen") != user.session_generation
    ):
        return False
    claimed = db.session.execute(
        update(FlowState)
        .where(FlowState.id == row.id, FlowState.completed_at.is_(None))
        .values(completed_at=now, step_index=1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return False
    apply_password_hash(user, str(row.data["hash"]), now=now, client=client, reason="change")
    return True
