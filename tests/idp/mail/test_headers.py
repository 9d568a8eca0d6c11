"""What a composed mail looks like on the wire: headers and the multipart/alternative body."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest

from idp.mail.composing import compose, message_id_domain
from tests.conftest import FIXED_NOW
from tests.idp.mail.conftest import outgoing

pytestmark = pytest.mark.usefixtures("ctx")

SENDER = "Identity Provider <no-reply@idp.localhost>"
# A realm's mail goes out under the realm's name, at MAIL_FROM's address.
REALM_SENDER = "Jasmin <no-reply@idp.localhost>"


def _wire(key: str = "k") -> EmailMessage:
    composed = compose(outgoing(key), sender=SENDER, domain="idp.example.org", now=FIXED_NOW)
    raw = composed.to_email().message().as_bytes(linesep="\r\n")
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_headers() -> None:
    mail = _wire()
    assert mail["From"] == REALM_SENDER
    assert mail["To"] == "camille.martin@cfa-jasmin.example"
    assert mail["Subject"] == "Votre code de sécurité"
    assert parsedate_to_datetime(mail["Date"]) == FIXED_NOW  # the injected clock
    assert mail["Message-ID"].startswith("<")
    assert mail["Message-ID"].endswith("@idp.example.org>")
    assert mail["Content-Language"] == "fr"
    assert mail["Auto-Submitted"] == "auto-generated"


def test_message_ids_are_unique() -> None:
    assert _wire("a")["Message-ID"] != _wire("b")["Message-ID"]


def test_body_is_text_then_html_alternatives_in_utf8() -> None:
    mail = _wire()
    assert mail.get_content_type() == "multipart/alternative"
    parts = list(mail.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "saisissez ce code de sécurité" in text.get_content()
    assert "482913" in html.get_content()


@pytest.mark.parametrize(
    ("base_url", "domain"),
    [
        ("http://127.0.0.1:5000", "127.0.0.1"),
        ("https://login.region.example/", "login.region.example"),
        ("https://idp.example.org:8443/prefix", "idp.example.org"),
    ],
)
def test_message_id_domain_is_the_base_url_host(base_url: str, domain: str) -> None:
    assert message_id_domain(base_url) == domain
