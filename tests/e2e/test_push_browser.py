"""Push MFA end to end: real idp serve, real Chromium, the headless authenticator subprocess.

Enroll from the profile page (the URI is read from the page), sign in, read the number in the
browser, answer from the authenticator, and see the browser move on by itself.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USER, PASSWORD = "camille.martin", "Tournesol-Vert-42!"


def sign_in(page, live: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    page.goto(live.url("/realms/jasmin/login"))
    page.get_by_label("Identifiant").fill(USER)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.fixture(scope="module")
def enrolled(
    live_idp: LiveIdp, browser, tmp_path_factory: pytest.TempPathFactory
) -> HeadlessAuthenticator:  # type: ignore[no-untyped-def]
    """Enroll the headless authenticator from the profile page, as a user would."""
    auth = HeadlessAuthenticator(tmp_path_factory.mktemp("vault") / "vault.bin")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    sign_in(page, live_idp)
    page.wait_for_url("**/profile")
    page.get_by_role("link", name="Ajouter l'application Authenticator").click()
    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    uri = page.get_by_test_id("enrollment-uri").inner_text().strip()
    assert uri.startswith("otpauth://idp-push/")
    added = auth.run("add", uri)
    assert added.returncode == 0, added.stderr
    page.goto(live_idp.url("/realms/jasmin/profile"))
    expect(page.get_by_text("headless", exact=False).first).to_be_visible()
    context.close()
    return auth


def _number(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.get_by_test_id("match-number").inner_text().strip())


def test_sign_in_approved_with_the_typed_number(
    page, live_idp: LiveIdp, enrolled: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_idp)
    page.wait_for_url("**/login/push")
    number = _number(page)
    assert 10 <= number <= 99
    result = enrolled.run("approve", "--number", str(number), "--timeout", "20")
    assert result.returncode == 0, result.stderr
    page.wait_for_url("**/realms/jasmin/profile")
    expect(page.get_by_role("link", name="Changer de mot de passe")).to_be_visible()


def test_wrong_number_is_refused_with_a_clear_message(
    page, live_idp: LiveIdp, enrolled: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_idp)
    page.wait_for_url("**/login/push")
    wrong = _number(page) % 89 + 10
    wrong = wrong if wrong != _number(page) else wrong + 1
    result = enrolled.run("approve", "--number", str(wrong), "--timeout", "20")
    assert result.returncode != 0
    assert "number_mismatch" in result.stderr
    expect = page.get_by_test_id("push-outcome")
    expect.wait_for()
    assert "ne correspond pas" in expect.inner_text()
    assert page.url.endswith("/login/push")


def test_deny(page, live_idp: LiveIdp, enrolled: HeadlessAuthenticator) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_idp)
    page.wait_for_url("**/login/push")
    result = enrolled.run("deny", "--timeout", "20")
    assert result.returncode == 0, result.stderr
    page.get_by_test_id("push-outcome").wait_for()
    assert "refusée" in page.get_by_test_id("push-outcome").inner_text()


def test_report(page, live_idp: LiveIdp, enrolled: HeadlessAuthenticator) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, live_idp)
    page.wait_for_url("**/login/push")
    result = enrolled.run("deny", "--report", "--timeout", "20")
    assert result.returncode == 0, result.stderr
    page.get_by_test_id("push-outcome").wait_for()
    assert "signalé" in page.get_by_test_id("push-outcome").inner_text()
    audit = live_idp.cli("audit", "--realm", "jasmin", "--json").stdout
    assert re.search(r'"event": "push_reported".*"outcome": "suspicious"', audit)


def test_pending_and_list_json(live_idp: LiveIdp, enrolled: HeadlessAuthenticator) -> None:
    listed = enrolled.run("list", "--json")
    assert listed.returncode == 0
    assert USER in listed.stdout
    assert Path(enrolled.vault).exists()


def test_watch_receives_challenges_over_sse(
    live_idp: LiveIdp, enrolled: HeadlessAuthenticator
) -> None:
    """`watch` holds the real SSE stream of gunicorn + gevent and prints verified challenges."""
    import json
    import urllib.request

    watcher = enrolled.start("watch", "--json")
    try:
        assert watcher.stdout is not None
        time.sleep(1.5)  # let the stream open (catch-up from pending is empty)
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            live_idp.url(f"/_dev/realms/jasmin/users/{USER}/challenges"),
            data=b"{}",
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback
            created = json.loads(resp.read())
        line = _readline(watcher.stdout, timeout=10)
        event = json.loads(line)
        assert event["challenge_id"] == created["challenge_id"]
        assert event["event"] == "challenge"
    finally:
        watcher.terminate()
        watcher.wait(timeout=10)


def _readline(stream, timeout: float) -> str:  # type: ignore[no-untyped-def]
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sel.select(timeout=0.2):
            line: str = stream.readline()
            if line.strip():
                return line
    raise AssertionError("no challenge line from `authenticator watch` in time")
