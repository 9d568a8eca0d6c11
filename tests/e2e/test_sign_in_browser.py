"""Sign in through /realms/jasmin/login in real headless Chromium against a real idp serve."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _demo_user(live: LiveIdp, realm: str) -> tuple[str, str]:
    from idp.realms.preset import load_builtin_presets

    preset = next(p for p in load_builtin_presets() if p.slug == realm)
    return preset.demo_users[0].username, preset.demo_users[0].password


def test_sign_in_to_jasmin_shows_profile_with_change_password(page, live_idp: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    username, password = _demo_user(live_idp, "jasmin")
    page.goto(live_idp.url("/"))
    page.get_by_role("link", name=re.compile("JASMIN")).first.click()
    page.wait_for_url("**/realms/jasmin/login")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/realms/jasmin/profile")
    link = page.get_by_role("link", name="Changer de mot de passe")
    expect(link).to_be_visible()
    assert username in page.content()


def test_wrong_password_in_the_browser(page, live_idp: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    username, _ = _demo_user(live_idp, "jasmin")
    page.goto(live_idp.url("/realms/jasmin/login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe", exact=True).fill("definitely wrong")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    assert page.url.endswith("/realms/jasmin/login")


def test_a_wrong_password_is_one_info_line_in_the_service_log(page, live_idp: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    """gevent's hub printed argon2's VerifyMismatchError as an 11-line traceback each time."""
    before = len(live_idp.log())
    page.goto(live_idp.url("/realms/jasmin/login"))
    page.get_by_label("Identifiant").fill("camille.martin")
    page.get_by_label("Mot de passe", exact=True).fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
    written = live_idp.log()[before:]
    assert "Traceback" not in written
    assert "VerifyMismatchError" not in written
    [line] = [ln for ln in written.splitlines() if "sign_in failure" in ln]
    assert " INFO idp.audit.service: sign_in failure realm=jasmin actor=camille.martin" in line
    assert "not the password" not in written
