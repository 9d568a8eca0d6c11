"""Realm list, language switch, themes, security headers, error pages."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_index_lists_the_four_realms(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    for slug in ("jasmin", "nouvelle-aquitaine", "metamots", "uphf"):
        assert f"/realms/{slug}/login" in page


def test_security_headers(client: FlaskClient) -> None:
    resp = client.get("/realms/jasmin/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_views_own_headers_win_and_none_is_sent_twice(client: FlaskClient) -> None:
    page = client.get("/realms/jasmin/login")
    theme = client.get("/realms/jasmin/theme.css")
    assert theme.status_code == 200
    assert theme.headers["Cache-Control"] == "public, max-age=300"  # the view's own
    for resp in (page, theme):
        names = [name.lower() for name, _ in resp.headers]
        assert len(names) == len(set(names) - {"set-cookie"}) + names.count("set-cookie")
        assert resp.headers["X-Frame-Options"] == "DENY"


def test_language_switch_to_english_and_back(client: FlaskClient) -> None:
    resp = client.get("/lang/en?next=/realms/jasmin/login")
    assert resp.headers["Location"].endswith("/realms/jasmin/login")
    assert "Sign in" in client.get("/realms/jasmin/login").get_data(as_text=True)
    client.get("/lang/fr")
    assert "Se connecter" in client.get("/realms/jasmin/login").get_data(as_text=True)


def test_language_switch_refuses_unknown_and_offsite(client: FlaskClient) -> None:
    assert client.get("/lang/de").status_code == 404
    resp = client.get("/lang/en?next=https://evil.example/")
    assert resp.headers["Location"] == "/"


def test_accept_language_english(client: FlaskClient) -> None:
    page = client.get("/realms/jasmin/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Sign in" in page.get_data(as_text=True)


def test_french_is_the_default(client: FlaskClient) -> None:
    assert "Se connecter" in client.get("/realms/jasmin/login").get_data(as_text=True)


def test_theme_css_per_realm(client: FlaskClient) -> None:
    resp = client.get("/realms/jasmin/theme.css")
    assert resp.mimetype == "text/css"
    assert "--realm-primary: #" in resp.get_data(as_text=True)
    assert client.get("/realms/nope/theme.css").status_code == 404


def test_unexpected_error_shows_no_traceback(client: FlaskClient, app) -> None:  # type: ignore[no-untyped-def]
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    resp = client.get("/boom")
    assert resp.status_code == 500
    body = resp.get_data(as_text=True)
    assert "secret internals" not in body
    assert "Traceback" not in body
    assert "Une erreur inattendue est survenue" in body
