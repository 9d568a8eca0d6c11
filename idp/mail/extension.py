"""Wire the mail layer into the app: Flask-Mailman, the transport, the ``Mailer``.

``IDP_SMTP_URL`` set: SMTP through Flask-Mailman. Unset: the development outbox, exposed as
``app.extensions["idp.outbox"]`` (read by ``/_dev/mail`` in test mode, and shown at
``/_dev/mail/view`` in test mode, under the ``--debug`` server, or with
``IDP_MAIL_OUTBOX_VIEW=1`` as ``./scripts/demo`` sets; loopback servers only).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_mailman import Mail

from idp.config import is_loopback
from idp.mail.composing import message_id_domain
from idp.mail.idempotency import SentKeys
from idp.mail.mailer import Mailer, Transport
from idp.mail.outbox import Outbox, OutboxTransport
from idp.mail.smtp import SmtpTransport
from idp.mail.smtp_url import parse_smtp_url
from idp.mail.views import bp as outbox_views

__all__ = ["init_mail"]

log = logging.getLogger(__name__)


def init_mail(app: Flask) -> None:
    cfg = app.config
    timeout = float(cfg["SMTP_TIMEOUT_SECONDS"])
    settings = parse_smtp_url(str(cfg["SMTP_URL"])) if cfg.get("SMTP_URL") else None
    # Flask-Mailman's state: its message classes read the charset and default sender there.
    # Our transport passes the server settings itself (the password stays out of this state).
    app.extensions["mailman"] = Mail.init_mail(
        {
            "MAIL_BACKEND": "smtp" if settings else "dummy",
            "MAIL_SERVER": settings.host if settings else "localhost",
            "MAIL_PORT": settings.port if settings else 25,
            "MAIL_DEFAULT_SENDER": cfg["MAIL_FROM"],
            "MAIL_TIMEOUT": timeout,
        },
        app.testing,
    )
    transport: Transport
    if settings is not None:
        transport = SmtpTransport(settings, timeout=timeout)
    else:
        outbox = Outbox(_outbox_path(app), limit=int(cfg["MAIL_OUTBOX_LIMIT"]))
        app.extensions["idp.outbox"] = outbox
        transport = OutboxTransport(outbox)
        # The readable outbox exists only when mail goes to it, and only on a loopback server
        # (test mode, --debug, or the demo); a production start with SMTP never has it.
        development = (
            cfg["TEST_MODE"] or bool(cfg.get("DEBUG_SERVER")) or bool(cfg.get("MAIL_OUTBOX_VIEW"))
        )
        if development and is_loopback(str(cfg.get("BIND_HOST", ""))):
            app.register_blueprint(outbox_views)
        elif not app.testing:
            log.warning(
                "IDP_SMTP_URL is unset: mail is not sent but kept in the development outbox "
                "(%s). Set IDP_SMTP_URL=smtp://host:port to deliver it.",
                outbox.path or "memory",
            )
    app.extensions["idp.mailer"] = Mailer(
        transport,
        sender=cfg["MAIL_FROM"],
        domain=message_id_domain(cfg["BASE_URL"]),
        clock=app.extensions["idp.clock"],
        sent_keys=SentKeys(int(cfg["MAIL_SENT_KEYS_CAPACITY"])),
    )


def _outbox_path(app: Flask) -> Path | None:
    name = str(app.config.get("MAIL_OUTBOX_FILE") or "")
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else Path(app.instance_path) / path
