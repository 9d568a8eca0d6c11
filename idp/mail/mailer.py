"""The mail service: compose, deliver once per idempotency key, log and audit.

``Mailer.send`` either returns a ``DeliveryResult`` or raises ``MailDeliveryFailed`` within
about ``SMTP_TIMEOUT_SECONDS``. Each real attempt is audited: ``mail_sent`` (success) or
``mail_failed`` (failure) with the kind, the recipient's *domain*, the transport and the
Message-ID or failure reason. The full address is not kept: the event's user already says who
it was for, and the audit trail should not become an address book. Bodies (codes, links) are
never logged nor audited. Audit rows join the caller's session: the caller commits, also after
a ``MailDeliveryFailed`` (which leaves the session usable).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from idp.audit.service import record
from idp.clock import Clock
from idp.mail.composing import ComposedMail, compose
from idp.mail.errors import MailDeliveryFailed
from idp.mail.idempotency import SentKeys
from idp.mail.message import DeliveryResult, OutgoingMail, recipient_domain

__all__ = ["Mailer", "Transport"]

log = logging.getLogger(__name__)


class Transport(Protocol):
    name: str

    def deliver(self, composed: ComposedMail) -> None:
        """Hand the mail over, or raise ``MailDeliveryFailed``."""


class Mailer:
    def __init__(
        self,
        transport: Transport,
        *,
        sender: str,
        domain: str,
        clock: Clock,
        sent_keys: SentKeys | None = None,
    ) -> None:
        self.transport = transport
        self.sender = sender
        self.domain = domain
        self.clock = clock
        self.sent_keys = sent_keys if sent_keys is not None else SentKeys()

    def send(self, message: OutgoingMail) -> DeliveryResult:
        """Deliver ``message`` unless its idempotency key was already delivered."""
        domain = recipient_domain(message.to)
        with self.sent_keys.claim(message.idempotency_key) as claim:
            if claim.previous is not None:
                log.info("mail %s to @%s already sent: not sending again", message.kind, domain)
                return DeliveryResult(
                    message_id=claim.previous.message_id,
                    transport=claim.previous.transport,
                    sent_at=claim.previous.sent_at,
                    duplicate=True,
                )
            now = self.clock.now()
            composed = compose(message, sender=self.sender, domain=self.domain, now=now)
            try:
                self.transport.deliver(composed)
            except MailDeliveryFailed as exc:
                log.warning(
                    "mail %s to @%s failed via %s: %s (%s)",
                    message.kind,
                    domain,
                    self.transport.name,
                    exc.reason,
                    exc.detail,
                )
                self._audit(
                    message,
                    "mail_failed",
                    "failure",
                    now=now,
                    reason=exc.reason,
                    smtp_code=exc.smtp_code,
                )
                raise
            result = DeliveryResult(
                message_id=composed.message_id, transport=self.transport.name, sent_at=now
            )
            claim.delivered(result)
        log.info(
            "mail %s to @%s sent via %s, %s",
            message.kind,
            domain,
            self.transport.name,
            result.message_id,
        )
        self._audit(message, "mail_sent", "success", now=now, message_id=result.message_id)
        return result

    def _audit(
        self, message: OutgoingMail, event: str, outcome: str, *, now: datetime, **extra: object
    ) -> None:
        details = {
            "kind": message.kind,
            "to_domain": recipient_domain(message.to),
            "transport": self.transport.name,
            **{k: v for k, v in extra.items() if v is not None},
        }
        record(
            event,
            outcome,
            now=now,
            realm=message.realm,
            actor=message.actor,
            user_id=message.user_id,
            details=details,
        )
