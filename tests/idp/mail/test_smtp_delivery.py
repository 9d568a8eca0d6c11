"""Real delivery to an aiosmtpd server on loopback: success, refusal, slowness, retries."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask

from idp.audit.service import query
from idp.extensions import db
from idp.mail import MailDeliveryFailed, Mailer
from tests.conftest import free_port
from tests.idp.mail.conftest import TIMEOUT, outgoing
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def app_config(smtp_config: dict[str, Any]) -> dict[str, Any]:
    return smtp_config


def test_delivers_to_the_smtp_server(app: Flask, mailer: Mailer, smtp_server: SmtpServer) -> None:
    assert "idp.outbox" not in app.extensions
    result = mailer.send(outgoing())
    [mail] = smtp_server.wait_for(1)
    assert result.transport == "smtp"
    assert not result.duplicate
    assert mail["Message-ID"] == result.message_id
    assert mail["From"] == "Jasmin <no-reply@idp.localhost>"  # realm name, MAIL_FROM address
    assert mail["Subject"] == "Votre code de sécurité"
    assert mail["Content-Language"] == "fr"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    assert text is not None
    assert "482913" in text.get_content()
    assert smtp_server.envelopes == [
        ("no-reply@idp.localhost", ["camille.martin@cfa-jasmin.example"])
    ]


def test_same_key_twice_sends_once(mailer: Mailer, smtp_server: SmtpServer) -> None:
    first = mailer.send(outgoing("security_code:flow-1:1"))
    again = mailer.send(outgoing("security_code:flow-1:1"))
    assert again.duplicate
    assert again.message_id == first.message_id
    mailer.send(outgoing("security_code:flow-1:2"))  # a new code is a new mail
    time.sleep(0.2)
    assert len(smtp_server.wait_for(2)) == 2


def test_refusal_is_a_typed_error_and_a_retry_sends(
    app: Flask, mailer: Mailer, smtp_server: SmtpServer
) -> None:
    smtp_server.fail_with("451 4.3.0 Try again later")
    with pytest.raises(MailDeliveryFailed) as failed:
        mailer.send(outgoing("k"))
    exc = failed.value
    assert (exc.code, exc.reason, exc.smtp_code, exc.temporary) == (
        "mail_delivery_failed",
        "refused",
        451,
        True,
    )
    with app.test_request_context():  # translated at the edge, in a view
        assert exc.message().startswith("Le message n'a pas pu être envoyé")
    assert smtp_server.messages == []
    smtp_server.reset()
    result = mailer.send(outgoing("k"))  # the failed key was not remembered
    assert not result.duplicate
    assert len(smtp_server.wait_for(1)) == 1


def test_permanent_refusal(mailer: Mailer, smtp_server: SmtpServer) -> None:
    smtp_server.fail_with("554 5.7.1 Message refused")
    with pytest.raises(MailDeliveryFailed) as failed:
        mailer.send(outgoing())
    assert (failed.value.smtp_code, failed.value.temporary) == (554, False)


def test_refused_recipient(mailer: Mailer, smtp_server: SmtpServer) -> None:
    smtp_server.refuse_recipients("550 5.1.1 No such user")
    with pytest.raises(MailDeliveryFailed) as failed:
        mailer.send(outgoing())
    assert (failed.value.reason, failed.value.smtp_code) == ("refused", 550)


def test_slow_server_fails_within_the_timeout(mailer: Mailer, smtp_server: SmtpServer) -> None:
    smtp_server.be_slow(TIMEOUT * 4)
    started = time.monotonic()
    with pytest.raises(MailDeliveryFailed) as failed:
        mailer.send(outgoing())
    elapsed = time.monotonic() - started
    assert failed.value.reason == "timeout"
    assert failed.value.temporary
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT * 2.5


def test_failures_and_successes_are_audited_without_the_address(
    mailer: Mailer, smtp_server: SmtpServer
) -> None:
    smtp_server.fail_with("554 5.7.1 Message refused")
    with pytest.raises(MailDeliveryFailed):
        mailer.send(outgoing("k"))
    smtp_server.reset()
    sent = mailer.send(outgoing("k"))
    mailer.send(outgoing("k"))  # duplicate: neither sent nor audited again
    db.session.commit()
    failed_rows = list(query(event="mail_failed"))
    sent_rows = list(query(event="mail_sent"))
    assert [r.outcome for r in failed_rows] == ["failure"]
    assert failed_rows[0].details == {
        "kind": "security_code",
        "to_domain": "cfa-jasmin.example",
        "transport": "smtp",
        "reason": "refused",
        "smtp_code": 554,
    }
    assert [r.details for r in sent_rows] == [
        {
            "kind": "security_code",
            "to_domain": "cfa-jasmin.example",
            "transport": "smtp",
            "message_id": sent.message_id,
        }
    ]
    assert all(r.realm == "jasmin" for r in failed_rows + sent_rows)
    for row in failed_rows + sent_rows:
        assert "camille" not in str(row.as_json())
        assert "482913" not in str(row.as_json())


def test_concurrent_sends_of_one_key_deliver_once(
    app: Flask, mailer: Mailer, smtp_server: SmtpServer
) -> None:
    import threading

    smtp_server.be_slow(0.3)  # keep the first send in flight while the second arrives
    results = []

    def send() -> None:
        with app.app_context():
            results.append(mailer.send(outgoing("double-submit")))
            db.session.rollback()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(r.duplicate for r in results) == [False, True]
    assert len(smtp_server.wait_for(1)) == 1
    time.sleep(0.2)
    assert len(smtp_server.messages) == 1


class TestUnreachable:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"SMTP_URL": f"smtp://127.0.0.1:{free_port()}", "SMTP_TIMEOUT_SECONDS": TIMEOUT}

    def test_nobody_listening(self, mailer: Mailer) -> None:
        started = time.monotonic()
        with pytest.raises(MailDeliveryFailed) as failed:
            mailer.send(outgoing())
        assert failed.value.reason == "unreachable"
        assert failed.value.temporary
        assert time.monotonic() - started < TIMEOUT * 2


class TestAuthenticated:
    @pytest.fixture
    def auth_server(self) -> Any:
        with SmtpServer(auth=("relay", "s3cret")) as server:
            yield server

    @pytest.fixture
    def app_config(self, auth_server: SmtpServer) -> dict[str, Any]:
        return {"SMTP_URL": auth_server.url, "SMTP_TIMEOUT_SECONDS": TIMEOUT}

    def test_logs_in_with_the_credentials_of_the_url(
        self, mailer: Mailer, auth_server: SmtpServer
    ) -> None:
        mailer.send(outgoing())
        assert len(auth_server.wait_for(1)) == 1
        assert auth_server.logins
        assert auth_server.logins[0].endswith(":relay")
