"""OpenID Connect end to end: the demo relying party (Authlib's Flask client, a separate
process) signs a user in through a real ``idp serve`` in Chromium, the headless authenticator
approves the push, and the application shows the verified claims. Then CAS and OIDC share
one browser session on uphf (single sign-on within a realm).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RP_APP = Path(__file__).resolve().parents[2] / "scripts" / "demo_rp" / "app.py"


class DemoRp:
    def __init__(self, live: LiveIdp, realm: str, title: str, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        added = live.cli(
            "client",
            "add",
            realm,
            title,
            "--redirect-uri",
            f"{self.url}/callback",
            "--post-logout-redirect-uri",
            f"{self.url}/",
            "--json",
        )
        creds = json.loads(added.stdout)
        env = {
            **live.env,
            "DEMO_RP_ISSUER": creds["issuer"],
            "DEMO_RP_CLIENT_ID": creds["client_id"],
            "DEMO_RP_CLIENT_SECRET": creds["client_secret"],
            "DEMO_RP_TITLE": title,
        }
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, str(RP_APP), "--port", str(self.port)],
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"demo RP did not start:\n{log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def jasmin_rp(live_idp: LiveIdp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRp]:
    rp = DemoRp(
        live_idp,
        "jasmin",
        "Espace pédagogique JASMIN",
        tmp_path_factory.mktemp("rp") / "rp.log",
    )
    yield rp
    rp.stop()


@pytest.fixture(scope="module")
def authenticator(
    live_idp: LiveIdp, tmp_path_factory: pytest.TempPathFactory
) -> HeadlessAuthenticator:
    auth = HeadlessAuthenticator(tmp_path_factory.mktemp("vault") / "vault.bin")
    uri = live_idp.cli("device", "enroll-uri", "jasmin", "camille.martin").stdout.strip()
    added = auth.run("add", uri)
    assert added.returncode == 0, added.stderr
    return auth


def claim(page, name: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator(f'[data-claim="{name}"]').inner_text())


def test_demo_rp_sign_in_with_push_shows_the_claims(
    page, live_idp: LiveIdp, jasmin_rp: DemoRp, authenticator: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    page.goto(jasmin_rp.url)
    shot(page, "oidc-demo-rp-home")
    page.get_by_role("link", name="Se connecter").click()
    page.wait_for_url("**/realms/jasmin/login?**")
    page.get_by_label("Identifiant").fill("camille.martin")
    page.get_by_label("Mot de passe", exact=True).fill("Tournesol-Vert-42!")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/login/push")
    number = page.get_by_test_id("match-number").inner_text().strip()
    approved = authenticator.run("approve", "--number", number, "--timeout", "20")
    assert approved.returncode == 0, approved.stderr
    page.get_by_test_id("oidc-consent").wait_for()
    shot(page, "oidc-consent")
    page.get_by_role("button", name="Autoriser").click()
    page.wait_for_url(f"{jasmin_rp.url}/claims")
    shot(page, "oidc-demo-rp-claims")
    assert claim(page, "preferred_username") == "camille.martin"
    assert claim(page, "iss") == live_idp.url("/realms/jasmin")
    assert set(json.loads(claim(page, "amr"))) == {"pwd", "swk", "mfa"}
    assert claim(page, "acr") == "urn:sspr-push-lab:acr:mfa"
    # Signing out of the application ends the IdP session too (RP-initiated logout).
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{jasmin_rp.url}/")
    page.goto(live_idp.url("/realms/jasmin/profile"))
    page.wait_for_url("**/realms/jasmin/login**")


def test_cas_and_oidc_share_one_session(
    page, live_idp: LiveIdp, tmp_path_factory: pytest.TempPathFactory
) -> None:  # type: ignore[no-untyped-def]
    from cas import CASClient

    service = "http://127.0.0.1:9/after-login"
    page.route("http://127.0.0.1:9/**", lambda route: route.fulfill(body="service"))
    cas = CASClient(version=3, service_url=service, server_url=live_idp.url("/realms/uphf/cas/"))
    page.goto(cas.get_login_url())
    page.get_by_label("Identifiant :*").fill("lea.dubois")
    page.get_by_label("Mot de passe :*", exact=True).fill("Valenciennes@2025")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("http://127.0.0.1:9/**")
    rp = DemoRp(live_idp, "uphf", "ENT UPHF", tmp_path_factory.mktemp("rp2") / "rp.log")
    try:
        page.goto(rp.url)
        page.get_by_role("link", name="Se connecter").click()
        # Signed in by CAS a moment ago: no sign-in page, only the consent.
        page.get_by_test_id("oidc-consent").wait_for()
        page.get_by_role("button", name="Autoriser").click()
        page.wait_for_url(f"{rp.url}/claims")
        assert claim(page, "preferred_username") == "lea.dubois"
        assert json.loads(claim(page, "amr")) == ["pwd"]
        # And back: CAS gives a ticket at once (no sign-in page) to this browser session.
        again = page.request.get(cas.get_login_url(), max_redirects=0)
        assert again.status == 302
        assert again.headers["location"].startswith(service + "?ticket=ST-")
    finally:
        rp.stop()
