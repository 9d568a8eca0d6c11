"""Store and audit a support request."""

from __future__ import annotations

from datetime import datetime

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.models import Realm, SupportRequest

__all__ = ["submit_request"]


def submit_request(
    realm: Realm,
    *,
    name: str,
    email: str,
    subject: str,
    message: str,
    now: datetime,
    client: ClientInfo,
) -> SupportRequest:
    row = SupportRequest(
        realm_id=realm.id,
        name=name.strip(),
        email=email.strip(),
        subject=subject.strip(),
        message=message.strip(),
        created_at=now,
        client_ip=client.ip,
    )
    db.session.add(row)
    db.session.flush()
    # The audit trail names the request, not its content (which may be personal).
    record(
        "support_request",
        "info",
        now=now,
        realm=realm.slug,
        actor=email.strip()[:120],
        client=client,
        details={"request_id": row.id, "subject": subject.strip()[:160]},
    )
    return row
