"""A CAS service signs a user in through the uphf realm, validated by python-cas (not our code).

Real ``idp serve``, real Chromium on the CAS login page, and the PyPI CAS client library
checking the ticket with /p3/serviceValidate over HTTP.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from cas import CASClient
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SERVICE = "http://127.0.0.1:9/after-login"  # a registered loopback service; never contacted


def _login_for_ticket(page, live_idp: LiveIdp, client: CASClient) -> str:  # type: ignore[no-untyped-def]
    captured: list[str] = []
    page.route(
        "http://127.0.0.1:9/**",
        lambda route: (captured.append(route.request.url), route.fulfill(body="service")),
    )
    page.goto(client.get_login_url())
    expect(page.get_by_text("Service Central d'Authentification (CAS)").first).to_be_visible()
    shot(page, "uphf-cas-login")
    page.get_by_label("Identifiant :*").fill("lea.dubois")
    page.get_by_label("Mot de passe :*", exact=True).fill("Valenciennes@2025")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("http://127.0.0.1:9/**")
    return parse_qs(urlsplit(captured[-1]).query)["ticket"][0]


@pytest.mark.parametrize("version", [2, 3])
def test_python_cas_validates_the_ticket(page, live_idp: LiveIdp, version: int) -> None:  # type: ignore[no-untyped-def]
    client = CASClient(
        version=version, service_url=SERVICE, server_url=live_idp.url("/realms/uphf/cas/")
    )
    ticket = _login_for_ticket(page, live_idp, client)
    user, attributes, _pgtiou = client.verify_ticket(ticket)
    assert user == "lea.dubois"
    assert attributes["student_number"] == "22104578"
    # Single use: the library sees a failure the second time.
    again, _attrs, _ = client.verify_ticket(ticket)
    assert again is None


def test_unregistered_service_is_refused_in_the_browser(page, live_idp: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    client = CASClient(
        version=3, service_url="https://evil.example/", server_url=live_idp.url("/realms/uphf/cas/")
    )
    page.goto(client.get_login_url())
    expect(page.get_by_test_id("cas-unauthorized")).to_be_visible()
