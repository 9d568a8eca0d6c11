"""IDP_SMTP_URL parsing, and the configuration refusing unusable mail settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from idp import create_app
from idp.config import ConfigError
from idp.mail.smtp_url import parse_smtp_url
from tests.idp.conftest import make_config


def test_plain_smtp_with_port() -> None:
    s = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (s.host, s.port, s.use_ssl, s.use_tls, s.username, s.password) == (
        "127.0.0.1",
        2525,
        False,
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("url", "port", "use_ssl", "use_tls"),
    [
        ("smtp://mail.example.org", 25, False, False),
        ("smtp+starttls://mail.example.org", 587, False, True),
        ("smtps://mail.example.org", 465, True, False),
        ("SMTPS://mail.example.org:2465", 2465, True, False),
    ],
)
def test_schemes_and_default_ports(url: str, port: int, use_ssl: bool, use_tls: bool) -> None:
    s = parse_smtp_url(url)
    assert (s.port, s.use_ssl, s.use_tls) == (port, use_ssl, use_tls)


def test_credentials_are_percent_decoded_and_never_shown() -> None:
    s = parse_smtp_url("smtp+starttls://relay%40example.org:p%3Ass%20w0rd@mail.example.org")
    assert (s.username, s.password) == ("relay@example.org", "p:ss w0rd")
    assert "p:ss" not in repr(s)
    assert "w0rd" not in s.redacted()
    assert s.redacted() == "smtp+starttls://relay@example.org:***@mail.example.org:587"


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "smtp://",
        "smtp://mail.example.org:99999",
        "smtp://mail.example.org:25/path",
        "smtp://mail.example.org?tls=1",
        "mail.example.org:25",
    ],
)
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each has its own message
        parse_smtp_url(url)


def test_the_app_refuses_to_start_with_an_unusable_smtp_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="IDP_SMTP_URL is not usable"):
        create_app(make_config(tmp_path / "idp.sqlite3", SMTP_URL="smtp:/oops"))


@pytest.mark.parametrize("timeout", [0, -1, 500, "soon"])
def test_the_app_refuses_an_unusable_timeout(tmp_path: Path, timeout: object) -> None:
    with pytest.raises(ConfigError, match="IDP_SMTP_TIMEOUT_SECONDS"):
        create_app(make_config(tmp_path / "idp.sqlite3", SMTP_TIMEOUT_SECONDS=timeout))


def test_smtp_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDP_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("IDP_SMTP_TIMEOUT_SECONDS", "2.5")
    app = create_app(make_config(tmp_path / "idp.sqlite3"))
    transport = app.extensions["idp.mailer"].transport
    assert transport.name == "smtp"
    assert transport.timeout == 2.5
    assert "idp.outbox" not in app.extensions
