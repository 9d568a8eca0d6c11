"""Mail fixtures: a real SMTP server on loopback, and an app that relays to it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from idp.mail import Mailer, OutgoingMail, render_mail
from tests.support.smtp import SmtpServer, smtp_server

__all__ = ["outgoing", "smtp_server"]

# Short enough to keep the failure tests fast, long enough for a loaded CI machine.
TIMEOUT = 1.0


@pytest.fixture
def smtp_config(smtp_server: SmtpServer) -> dict[str, Any]:
    return {"SMTP_URL": smtp_server.url, "SMTP_TIMEOUT_SECONDS": TIMEOUT}


@pytest.fixture
def mailer(app: Flask) -> Mailer:
    mailer: Mailer = app.extensions["idp.mailer"]
    return mailer


def outgoing(key: str = "test:1", *, to: str = "camille.martin@cfa-jasmin.example") -> OutgoingMail:
    """A small security-code mail (needs an app context)."""
    rendered = render_mail(
        "security_code", "fr", realm_name="Jasmin", code="482913", expires_minutes=10
    )
    return rendered.to(to, idempotency_key=key, realm="jasmin")
