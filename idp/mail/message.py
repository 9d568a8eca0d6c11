"""What a flow hands to the mailer, and what it gets back.

An ``OutgoingMail`` is fully rendered (subject, text and HTML in the recipient's language)
and carries an **idempotency key**: the name of the logical mail, e.g.
``security_code:<flow id>:<code serial>``. Sending the same key again after a success is a
no-op that answers the first delivery, so a page retried by the user (or a double submit)
never mails a code twice; after a failure the key stays free and a retry really sends.
Keys must not contain secrets (they are hashed in memory, but may show up in logs of callers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["DeliveryResult", "OutgoingMail", "recipient_domain"]


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str
    language: str
    kind: str
    idempotency_key: str
    # Who the mail is about, for the audit trail only (never rendered).
    realm: str | None = None
    user_id: int | None = None
    actor: str | None = None
    # The From display name: the realm's own name (« AECE CFA JASMIN »), not the IdP's.
    sender_name: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """A delivered mail: its Message-ID, the transport that took it and when.

    ``duplicate`` is True when this call was a no-op because the same idempotency key was
    already delivered; the other fields then describe that first delivery.
    """

    message_id: str
    transport: str
    sent_at: datetime
    duplicate: bool = False


def recipient_domain(address: str) -> str:
    """The part after the last ``@``, lower-cased: what the audit trail keeps of a recipient."""
    return address.rpartition("@")[2].strip().lower() or "?"
