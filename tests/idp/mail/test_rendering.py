"""Mail templates: French by default, English on request, escaped HTML, one-line subjects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from idp.mail import KINDS, MailContextMissing, MailKindUnknown, mail_language, render_mail

pytestmark = pytest.mark.usefixtures("ctx")

WHEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
CONTEXTS: dict[str, dict[str, Any]] = {
    "password_changed": {"realm_name": "AECE CFA JASMIN", "when": WHEN, "ip": "192.0.2.7"},
    "security_code": {"realm_name": "Nouvelle-Aquitaine", "code": "482913", "expires_minutes": 10},
    "reset_link": {
        "realm_name": "Metamots",
        "link": "http://127.0.0.1:5000/realms/metamots/reset?t=abc&x=1",
        "expires_minutes": 60,
    },
    "identifier_reminder": {"realm_name": "UPHF", "identifier": "jdupont"},
    "email_verification": {
        "realm_name": "Metamots",
        "link": "http://127.0.0.1:5000/realms/metamots/security/email/verify/abc.def",
        "expires_hours": 24,
        "email": "new@entreprise.example",
    },
    "security_info_changed": {
        "realm_name": "UPHF",
        "when": WHEN,
        "change": "Votre question secrète a été modifiée.",
        "ip": "192.0.2.7",
    },
    "recovery_code_used": {
        "realm_name": "AECE CFA JASMIN",
        "when": WHEN,
        "remaining": 9,
        "ip": "192.0.2.7",
        "profile_url": "http://127.0.0.1:5000/realms/jasmin/profile",
    },
}


def test_every_kind_has_a_context_here() -> None:
    assert set(CONTEXTS) == KINDS


def test_password_changed_in_french() -> None:
    mail = render_mail(
        "password_changed",
        "fr",
        realm_name="AECE CFA JASMIN",
        display_name="Camille Martin",
        when=WHEN,
        ip="192.0.2.7",
        browser="Firefox 133 (Linux)",
        login_url="http://127.0.0.1:5000/realms/jasmin/login",
    )
    assert mail.subject == "Votre mot de passe a été modifié"
    assert mail.language == "fr"
    for part in (mail.text, mail.html):
        assert "Bonjour Camille Martin," in part
        assert "a été modifié le 24 novembre 2026" in part
        assert "Adresse IP\u00a0: 192.0.2.7" in part  # French typography
        assert "Navigateur\u00a0: Firefox 133 (Linux)" in part
        assert "Si ce n'est pas vous" in part.replace("&#39;", "'")
        assert "http://127.0.0.1:5000/realms/jasmin/login" in part
    assert mail.html.startswith("<!doctype html>")
    assert '<html lang="fr">' in mail.html
    assert "<" not in mail.text


def test_password_changed_in_english() -> None:
    mail = render_mail("password_changed", "en", realm_name="AECE CFA JASMIN", when=WHEN)
    assert mail.subject == "Your password was changed"
    assert mail.language == "en"
    assert '<html lang="en">' in mail.html
    for part in (mail.text, mail.html):
        assert "Hello," in part
        assert "November 24, 2026" in part
        assert "modifié" not in part
    assert "IP address" not in mail.text  # optional lines left out when not given


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_kind_renders_both_parts(kind: str, language: str) -> None:
    mail = render_mail(kind, language, **CONTEXTS[kind])
    assert mail.subject
    assert "\n" not in mail.subject
    assert mail.text.endswith("\n")
    assert "\n\n\n" not in mail.text
    assert f"<title>{mail.subject}</title>" in mail.html.replace("&#39;", "'")
    for value in CONTEXTS[kind].values():
        if isinstance(value, str) and "&" not in value:
            assert value in mail.text
            assert value in mail.html


def test_security_code_is_in_both_parts_and_not_in_the_subject() -> None:
    mail = render_mail("security_code", "fr", **CONTEXTS["security_code"])
    assert mail.subject == "Votre code de sécurité"
    assert "482913" in mail.text
    assert "482913" in mail.html
    assert "valable 10 min " in mail.text
    one = render_mail("security_code", "en", realm_name="R", code="1", expires_minutes=1)
    assert "valid for 1 min " in one.text


def test_reset_link_is_escaped_in_html_and_verbatim_in_text() -> None:
    mail = render_mail("reset_link", "fr", **CONTEXTS["reset_link"])
    assert "reset?t=abc&x=1" in mail.text
    assert 'href="http://127.0.0.1:5000/realms/metamots/reset?t=abc&amp;x=1"' in mail.html


def test_values_cannot_inject_html_or_headers() -> None:
    evil = '<script>alert("x")</script><a href="http://evil.example">'
    mail = render_mail(
        "identifier_reminder",
        "fr",
        realm_name="UPHF\r\nBcc: victim@example.org",
        display_name=evil,
        identifier=evil,
    )
    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert 'href="http://evil.example"' not in mail.html
    assert "\n" not in mail.subject
    assert "\r" not in mail.subject
    assert evil in mail.text  # the text part is plain text: shown as typed, harmless


def test_subject_values_are_plain_text_not_entities() -> None:
    mail = render_mail("password_changed", "fr", realm_name="A & B", when=WHEN)
    assert "A &amp; B" in mail.html
    assert "A & B" in mail.text


def test_unknown_kind_and_missing_values_are_typed_errors() -> None:
    with pytest.raises(MailKindUnknown) as unknown:
        render_mail("newsletter", "fr")
    assert unknown.value.code == "mail_kind_unknown"
    with pytest.raises(MailContextMissing, match="code, expires_minutes") as missing:
        render_mail("security_code", "fr", realm_name="R")
    assert missing.value.code == "mail_context_missing"


@pytest.mark.parametrize(
    ("preferred", "expected"),
    [(None, "fr"), ("", "fr"), ("fr", "fr"), ("en", "en"), ("EN-gb", "en"), ("de", "fr")],
)
def test_mail_language(preferred: str | None, expected: str) -> None:
    assert mail_language(preferred) == expected


def test_text_templates_use_only_catalogued_messages() -> None:
    """The catalog is extracted from the .html files: the .txt parts must reuse their msgids."""
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[3]
    catalog = root / "idp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with catalog.open("rb") as f:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    found = set()
    for template in sorted((root / "idp" / "templates" / "mail").glob("*.txt")):
        for _line, message, _comments, _ctx in extract_from_file("jinja2", str(template)):
            found.add(message if isinstance(message, str) else message[0])
    assert found, "no message extracted from the text templates"
    assert sorted(found - known) == []
