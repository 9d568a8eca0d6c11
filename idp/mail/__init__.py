"""Mail: render in the user's language, deliver once, never wait long.

For a flow that mails something::

    from idp.mail import MailDeliveryFailed, current_mailer, render_mail

    rendered = render_mail("security_code", user.language, realm_name=realm.display_name,
                           code=code, expires_minutes=10)
    message = rendered.to(user.email, idempotency_key=f"security_code:{flow_id}:{serial}",
                          realm=realm.slug, user_id=user.id, actor=user.username)
    try:
        current_mailer().send(message)
    except MailDeliveryFailed as exc:
        ...  # show exc.message(); nothing was sent, the same key can be retried

Kinds and their context: ``idp.mail.kinds``. Transports: SMTP (``IDP_SMTP_URL``) or the
development outbox. See ``docs/decisions.md`` (Mail).
"""

from __future__ import annotations

from idp.mail.current import current_mailer, current_outbox
from idp.mail.errors import (
    MailContextMissing,
    MailDeliveryFailed,
    MailError,
    MailKindUnknown,
)
from idp.mail.extension import init_mail
from idp.mail.kinds import KINDS
from idp.mail.mailer import Mailer, Transport
from idp.mail.message import DeliveryResult, OutgoingMail
from idp.mail.outbox import Outbox
from idp.mail.rendering import RenderedMail, external_url, mail_language, render_mail

__all__ = [
    "KINDS",
    "DeliveryResult",
    "MailContextMissing",
    "MailDeliveryFailed",
    "MailError",
    "MailKindUnknown",
    "Mailer",
    "Outbox",
    "OutgoingMail",
    "RenderedMail",
    "Transport",
    "current_mailer",
    "current_outbox",
    "external_url",
    "init_mail",
    "mail_language",
    "render_mail",
]
