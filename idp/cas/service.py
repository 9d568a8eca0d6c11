"""Issue and validate CAS service tickets.

Security decisions:
- Tickets have 128 random bits, are stored as SHA-256 only, live ``ticket_ttl_seconds``, and are
  consumed by a conditional UPDATE: validated at most once, even under concurrency.
- A ticket is bound to the exact service URL it was issued for; any other service invalidates
  it (CAS 3.0 §2.5.1: the ticket is consumed on a failed validation too).
- Only registered services get tickets (``service_allowed``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.models import Realm, ServiceTicket, User
from idp.realms.cas import CasSettings

__all__ = ["Validation", "issue_ticket", "validate_ticket"]


@dataclass(frozen=True)
class Validation:
    user: User | None
    code: str = ""  # CAS failure code when user is None
    message: str = ""


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def issue_ticket(
    user: User,
    service: str,
    settings: CasSettings,
    *,
    primary: bool,
    now: datetime,
    client: ClientInfo,
) -> str:
    ticket = "ST-" + secrets.token_urlsafe(24)
    db.session.add(
        ServiceTicket(
            ticket_hash=_hash(ticket),
            realm_id=user.realm_id,
            user_id=user.id,
            service=service,
            primary=primary,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.ticket_ttl_seconds),
        )
    )
    record(
        "cas_ticket_issued",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client,
        details={"service": service[:200]},
    )
    return ticket


def validate_ticket(
    realm: Realm, ticket: str, service: str, *, renew: bool, now: datetime, client: ClientInfo
) -> Validation:
    if not ticket or not service:
        return Validation(None, "INVALID_REQUEST", "ticket and service are required")
    if not ticket.startswith("ST-") or len(ticket) > 256:
        return Validation(
            None, "INVALID_TICKET_SPEC", f"ticket {ticket[:40]!r} is not a service ticket"
        )
    row = db.session.scalar(
        select(ServiceTicket).where(
            ServiceTicket.ticket_hash == _hash(ticket), ServiceTicket.realm_id == realm.id
        )
    )
    result = _check(row, service, renew=renew, now=now)
    if row is not None:
        # Consumed whatever the outcome: a ticket is never validated twice. The conditional
        # UPDATE is the arbiter under concurrency: of validations racing on any number of
        # workers, only the one whose UPDATE lands may answer success.
        consumed = db.session.execute(
            update(ServiceTicket)
            .where(ServiceTicket.id == row.id, ServiceTicket.used_at.is_(None))
            .values(used_at=now)
        )
        if consumed.rowcount != 1 and result.user is not None:  # type: ignore[attr-defined]
            result = Validation(None, "INVALID_TICKET", "ticket already used")
    record(
        "cas_ticket_validated",
        "success" if result.user else "failure",
        now=now,
        realm=realm.slug,
        actor=result.user.username if result.user else None,
        user_id=result.user.id if result.user else None,
        client=client,
        details={"service": service[:200], "code": result.code},
    )
    return result


def _check(row: ServiceTicket | None, service: str, *, renew: bool, now: datetime) -> Validation:
    if row is None:
        return Validation(None, "INVALID_TICKET", "ticket not recognized")
    if row.used_at is not None:
        return Validation(None, "INVALID_TICKET", "ticket already used")
    if row.expires_at <= now:
        return Validation(None, "INVALID_TICKET", "ticket expired")
    if row.service != service:
        return Validation(None, "INVALID_SERVICE", "ticket was issued for another service")
    if renew and not row.primary:
        return Validation(None, "INVALID_TICKET", "ticket not issued from fresh credentials")
    return Validation(row.user)
