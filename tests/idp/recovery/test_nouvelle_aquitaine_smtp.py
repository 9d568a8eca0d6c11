"""Security codes over a real SMTP server (aiosmtpd): failure, retry, exactly one delivery."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.idp.conftest import text_of
from tests.idp.recovery.test_nouvelle_aquitaine_flow import BASE, EMAIL, _post
from tests.support.smtp import SmtpServer, smtp_server  # noqa: F401 - fixture


@pytest.fixture
def app_config(smtp_server: SmtpServer) -> dict[str, Any]:  # noqa: F811
    return {"TEST_MODE": True, "SMTP_URL": smtp_server.url, "SMTP_TIMEOUT_SECONDS": 1.0}


def test_real_smtp_failure_then_retry_sends_the_same_code_once(
    app: Flask,
    client: FlaskClient,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    smtp_server.fail_with("451 4.3.0 Try again later")
    client.get(f"{BASE}/")
    _post(client, "choose_category", action="category:usager")
    resp = _post(client, "identify_by_email", email=EMAIL)
    assert resp.status_code == 200
    assert "code" in text_of(resp)
    smtp_server.reset()
    resp = _post(client, "identify_by_email", email=EMAIL)
    assert resp.headers["Location"].endswith(f"{BASE}/verify_email_code")
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == EMAIL
    assert "Nouvelle-Aquitaine" in mail["Subject"] or mail["Subject"]
    code = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content()).group(1)  # type: ignore[union-attr]
    assert _post(client, "verify_email_code", code=code).status_code == 303
    # From: the realm's name over MAIL_FROM's address, encoded as RFC 2047 wants.
    from email.header import decode_header, make_header

    sender = str(make_header(decode_header(mail["From"])))
    assert sender == "Mes démarches en Nouvelle-Aquitaine <no-reply@idp.localhost>", sender
