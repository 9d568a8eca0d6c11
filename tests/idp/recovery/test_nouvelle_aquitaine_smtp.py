"""Security codes over a real SMTP server (aiosmtpd): delivery after the answer, a failure that
says nothing to the visitor, « Renvoyer le code » delivering exactly one new code."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.audit.service import query
from idp.clock import FixedClock
from tests.idp.conftest import text_of
from tests.idp.recovery.test_nouvelle_aquitaine_flow import BASE, EMAIL, _form, _post
from tests.support.smtp import SmtpServer, smtp_server  # noqa: F401 - fixture


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict[str, Any]:  # noqa: F811
    # The production path: the code leaves in a thread after the answer.
    return {
        "TEST_MODE": True,
        "SMTP_URL": smtp_server.url,
        "SMTP_TIMEOUT_SECONDS": 1.0,
        "RESET_MAIL_IN_BACKGROUND": True,
    }


def _to_code(client: FlaskClient, email: str) -> Any:
    client.get(f"{BASE}/")
    _post(client, "choose_category", action="category:usager")
    return _post(client, "identify_by_email", email=email)


def _audited_failure(app: Flask, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            if list(query(event="mail_failed")):
                return True
        time.sleep(0.05)
    return False


def test_an_smtp_failure_reads_like_an_unknown_address_then_resend_delivers_once(
    app: Flask,
    client: FlaskClient,
    clock: FixedClock,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.fail_with("451 4.3.0 Try again later")
    failed = _to_code(client, EMAIL)
    failed.close()  # the server closes the answer; the mail leaves then
    unknown = _to_code(app.test_client(), "personne@gmail.example")
    # Existing address, failed delivery: the same answer as an address without an account
    # (the error used to show for existing addresses only).
    assert failed.status_code == unknown.status_code == 303
    assert failed.headers["Location"] == unknown.headers["Location"]
    assert failed.headers["Location"].endswith(f"{BASE}/verify_email_code")
    assert _audited_failure(app)  # the mailer logged and audited it
    smtp_server.reset()
    clock.advance(timedelta(seconds=61))  # past the resend cool-down
    page = text_of(_post(client, "verify_email_code", action="resend"))
    assert "Un nouveau code vous a été envoyé." in page
    [mail] = smtp_server.wait_for(1)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1  # exactly one delivery
    assert mail["To"] == EMAIL
    code = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content()).group(1)  # type: ignore[union-attr]
    assert _post(client, "verify_email_code", code=code).status_code == 303
    # From: the realm's name over MAIL_FROM's address, encoded as RFC 2047 wants.
    from email.header import decode_header, make_header

    sender = str(make_header(decode_header(mail["From"])))
    assert sender == "Mes démarches en Nouvelle-Aquitaine <no-reply@idp.localhost>", sender


def test_the_code_leaves_after_the_answer(
    app: Flask,
    client: FlaskClient,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """Not while the answer is written (a thread, a greenlet under gevent, used to race it and
    slow down the answers of existing addresses only: a timing oracle, issue 19), but once the
    server closes it."""
    client.get(f"{BASE}/")
    _post(client, "choose_category", action="category:usager")
    form = {**_form(client, "identify_by_email"), "email": EMAIL}
    resp = client.post(f"{BASE}/identify_by_email", data=form)
    assert resp.status_code == 303
    time.sleep(0.3)
    assert smtp_server.messages == []  # nothing while the answer is open
    resp.close()  # what the server does once the answer is written
    [mail] = smtp_server.wait_for(1, timeout=10)
    assert mail["To"] == EMAIL
