"""Deliver through an SMTP relay with Flask-Mailman, never waiting long.

Every socket operation (connect, TLS handshake, each SMTP reply) waits at most
``SMTP_TIMEOUT_SECONDS``: a server that is down, refuses, or stalls ends the attempt within
about one timeout with ``MailDeliveryFailed``. (A server that answers each step just under the
limit could stretch one attempt to a few timeouts; nothing here retries on its own.)

One connection per mail: open, send, QUIT. A slow or failing QUIT after the server accepted
the message is not a failure (the mail is on its way; reporting it failed would make a retry
send it twice).
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask_mailman.backends.smtp import EmailBackend
from flask_mailman.utils import DNS_NAME

from idp.mail.composing import ComposedMail
from idp.mail.errors import MailDeliveryFailed
from idp.mail.smtp_url import SmtpSettings

__all__ = ["SmtpTransport"]

log = logging.getLogger(__name__)


class _Backend(EmailBackend):
    """Flask-Mailman's SMTP backend, with a verified STARTTLS and a tolerant close."""

    connection: Any

    def open(self) -> bool:
        if self.connection:
            return False
        params: dict[str, Any] = {"local_hostname": DNS_NAME.get_fqdn(), "timeout": self.timeout}
        if self.use_ssl:
            params["context"] = self.ssl_context
        self.connection = self.connection_class(self.host, self.port, **params)
        try:
            if self.use_tls:
                # Flask-Mailman passes no context here, and smtplib's default does not verify
                # the certificate: use the verifying one, as for smtps://.
                self.connection.starttls(context=self.ssl_context)
            if self.username and self.password:
                self.connection.login(self.username, self.password)
        except BaseException:
            self.abort()
            raise
        return True

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except OSError:  # smtplib.SMTPException included
            connection.close()

    def abort(self) -> None:
        """Drop the connection without a QUIT (after an error there is nothing to wait for)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: SmtpSettings, *, timeout: float) -> None:
        self.settings = settings
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SmtpTransport({self.settings.redacted()!r}, timeout={self.timeout})"

    def deliver(self, composed: ComposedMail) -> None:
        s = self.settings
        backend = _Backend(
            host=s.host,
            port=s.port,
            username=s.username or "",
            password=s.password or "",
            use_tls=s.use_tls,
            use_ssl=s.use_ssl,
            timeout=self.timeout,
        )
        try:
            sent = backend.send_messages([composed.to_email(connection=backend)])
        except OSError as exc:
            raise _failure(exc, s, self.timeout) from exc
        finally:
            backend.abort()
        if sent != 1:
            raise MailDeliveryFailed("the server took no message", reason="refused")


def _failure(exc: OSError, s: SmtpSettings, timeout: float) -> MailDeliveryFailed:
    """Name what went wrong (smtplib.SMTPException is an OSError)."""
    if _timed_out(exc):
        return MailDeliveryFailed(
            f"no answer from {s.host}:{s.port} within {timeout}s", reason="timeout"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next((c for c, _ in exc.recipients.values()), None)
        return MailDeliveryFailed(f"recipient refused ({code})", reason="refused", smtp_code=code)
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailDeliveryFailed(
            f"server answered {exc.smtp_code}", reason="refused", smtp_code=exc.smtp_code
        )
    # connection refused, DNS, TLS, disconnected
    return MailDeliveryFailed(
        f"{type(exc).__name__} talking to {s.host}:{s.port}", reason="unreachable"
    )


def _timed_out(exc: BaseException | None) -> bool:
    # smtplib turns a read timeout into SMTPServerDisconnected; the timeout is its context.
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, TimeoutError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False
