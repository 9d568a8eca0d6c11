"""French typography: non-breaking spaces before « : ; ? ! » and inside « », on pages and mails."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from idp.web.typography import NBSP, NNBSP, french_html, french_text


def test_only_existing_spaces_become_non_breaking() -> None:
    assert french_text("Identifiant : x ; oui ? non !") == (
        f"Identifiant{NBSP}: x{NNBSP}; oui{NNBSP}? non{NNBSP}!"
    )
    assert french_text("« OUI »") == f"«{NBSP}OUI{NBSP}»"
    # Nothing to do where French puts no space: URLs, times, ratios.
    assert french_text("https://a.example:8080/x?y=1 at 10:45") == (
        "https://a.example:8080/x?y=1 at 10:45"
    )


def test_markup_scripts_and_attributes_are_left_alone() -> None:
    html = (
        '<p title="a : b">Question ?</p><script>if (a ? b : c) {}</script>'
        "<style>a :hover {}</style>"
    )
    assert french_html(html) == (
        f'<p title="a : b">Question{NNBSP}?</p><script>if (a ? b : c) {{}}</script>'
        "<style>a :hover {}</style>"
    )


def test_french_pages_get_it_english_ones_do_not(client: FlaskClient) -> None:
    page = client.get("/realms/metamots/login").get_data(as_text=True)
    assert f"Vous avez oublié votre mot de passe{NNBSP}?" in page
    assert "mot de passe ?" not in page
    english = client.get("/realms/metamots/login", headers={"Accept-Language": "en"})
    text = english.get_data(as_text=True)
    assert 'lang="en"' in text
    assert NNBSP not in text
    assert NBSP not in text


def test_redirects_are_not_rewritten_error_pages_are(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from idp.web import typography

    rewritten: list[str] = []

    def spy(html: str) -> str:
        rewritten.append(html)
        return french_html(html)

    monkeypatch.setattr(typography, "french_html", spy)
    # A redirect's body is Werkzeug's stub, which no browser shows: not parsed for nothing.
    assert client.get("/realms/jasmin/login/code").status_code == 302
    assert rewritten == []
    # A French error page is a page like any other.
    assert client.get("/realms/jasmin/no-such-page").status_code == 404
    assert len(rewritten) == 1
