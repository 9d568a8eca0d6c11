"""Turn an ``OutgoingMail`` into a message with proper headers.

Headers: ``From`` (config ``MAIL_FROM``'s address under the realm's name), ``To``, ``Subject``,
``Date`` (from the injected clock), ``Message-ID`` (``make_msgid`` on the host of
``BASE_URL``), ``Content-Language`` and ``Auto-Submitted: auto-generated`` (RFC 3834: no
auto-replies to a robot). The body is ``multipart/alternative``: text, then HTML, both UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask_mailman import EmailMultiAlternatives

from idp.mail.message import OutgoingMail

__all__ = ["ComposedMail", "compose", "message_id_domain"]


@dataclass(frozen=True)
class ComposedMail:
    mail: OutgoingMail
    sender: str
    message_id: str
    date: datetime

    def headers(self) -> dict[str, str]:
        return {
            "Message-ID": self.message_id,
            "Date": format_datetime(self.date),
            "Content-Language": self.mail.language,
            "Auto-Submitted": "auto-generated",
        }

    def to_email(self, connection: Any = None) -> EmailMultiAlternatives:
        """The Flask-Mailman message (needs an app context: Flask-Mailman reads its state)."""
        message = EmailMultiAlternatives(
            subject=self.mail.subject,
            body=self.mail.text,
            from_email=self.sender,
            to=[self.mail.to],
            headers=self.headers(),
            connection=connection,
        )
        message.attach_alternative(self.mail.html, "text/html")
        return message

    def as_json(self) -> dict[str, Any]:
        """What the development outbox keeps (and ``/_dev/mail`` shows)."""
        return {
            "to": self.mail.to,
            "from": self.sender,
            "subject": self.mail.subject,
            "text": self.mail.text,
            "html": self.mail.html,
            "kind": self.mail.kind,
            "language": self.mail.language,
            "message_id": self.message_id,
            "date": self.date.isoformat(),
        }


def message_id_domain(base_url: str) -> str:
    """The right-hand side of our Message-IDs: the host the IdP is reached at."""
    return urlsplit(base_url).hostname or "localhost"


def compose(mail: OutgoingMail, *, sender: str, domain: str, now: datetime) -> ComposedMail:
    """``sender`` is ``MAIL_FROM``; a realm's mail keeps its address under the realm's name."""
    if mail.sender_name:
        _name, address = parseaddr(sender)
        # Unencoded here (the outbox shows it as people read it); the SMTP layer encodes it.
        quoted = mail.sender_name.replace("\\", "\\\\").replace('"', '\\"')
        sender = f'"{quoted}" <{address or sender}>'
        if mail.sender_name.isascii():
            sender = formataddr((mail.sender_name, address or sender))
    return ComposedMail(mail=mail, sender=sender, message_id=make_msgid(domain=domain), date=now)
