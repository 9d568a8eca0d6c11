"""Server-side sessions and « Mes informations de sécurité » in real Chromium.

A cookie saved from a signed-in browser is replayed in a fresh browser context after each way
a session ends: logout, « partout ailleurs », an admin revoke (CLI), a password change.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

JASMIN = {
    "camille.martin": "Tournesol-Vert-42!",
    "theo.lefebvre": "Kayak&Brume#2031",
}
UPHF = ("lea.dubois", "Valenciennes@2025")


def _sign_in_jasmin(page: Any, live: LiveIdp, username: str) -> None:
    page.goto(live.url("/realms/jasmin/login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(JASMIN[username])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/realms/jasmin/profile")


def _replay_is_refused(browser: Any, live: LiveIdp, cookies: list[Any]) -> bool:
    """Open the profile in a fresh context holding only the saved cookies."""
    context = browser.new_context(locale="fr-FR")
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(live.url("/realms/jasmin/profile"))
        return "/realms/jasmin/login" in page.url
    finally:
        context.close()


def _every_control_and_date_fits_a_phone(page: Any) -> None:
    """At 360 px, no button of the security page hides beyond the card's right edge (the
    tables used to scroll inside it, « Modifier » and « Se déconnecter de cette session »
    out of sight) and no date breaks inside (« 04/1 2/20 26 »)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 640})
    try:
        for button in page.locator("main .button").all():
            box = button.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 360, button.inner_text()
        lines = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid=activity] td:first-child')]
                 .map((td) => { const r = document.createRange(); r.selectNodeContents(td);
                                return r.getClientRects().length; })"""
        )
        assert lines
        assert max(lines) == 1, lines
    finally:
        page.set_viewport_size(size)


def test_saved_cookie_refused_after_logout(page: Any, browser: Any, live_idp: LiveIdp) -> None:
    _sign_in_jasmin(page, live_idp, "camille.martin")
    saved = page.context.cookies()
    assert not _replay_is_refused(browser, live_idp, saved)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/realms/jasmin/login")
    assert _replay_is_refused(browser, live_idp, saved)


def test_saved_cookie_refused_after_logout_everywhere_else(
    page: Any, browser: Any, live_idp: LiveIdp
) -> None:
    other = browser.new_context(locale="fr-FR")
    other_page = other.new_page()
    _sign_in_jasmin(other_page, live_idp, "camille.martin")
    saved = other.cookies()
    _sign_in_jasmin(page, live_idp, "camille.martin")
    page.get_by_role("link", name="Mes informations de sécurité").click()
    page.wait_for_url("**/realms/jasmin/security")
    assert page.get_by_test_id("sessions").locator("tbody tr").count() >= 2
    shot(page, "security-info-jasmin")
    _every_control_and_date_fits_a_phone(page)
    page.get_by_role("button", name="Se déconnecter partout ailleurs").click()
    expect(page.get_by_text(re.compile(r"\d+ autres? sessions? fermées?\."))).to_be_visible()
    expect(page.get_by_test_id("sessions").locator("tbody tr")).to_have_count(1)
    assert _replay_is_refused(browser, live_idp, saved)
    other_page.reload()
    assert "/realms/jasmin/login" in other_page.url
    other.close()


def test_saved_cookie_refused_after_an_admin_revoke(
    page: Any, browser: Any, live_idp: LiveIdp
) -> None:
    _sign_in_jasmin(page, live_idp, "camille.martin")
    saved = page.context.cookies()
    out = live_idp.cli("user", "revoke-sessions", "jasmin", "camille.martin", "--json")
    assert '"count": ' in out.stdout
    assert _replay_is_refused(browser, live_idp, saved)
    page.reload()
    assert "/realms/jasmin/login" in page.url


def test_saved_cookie_refused_after_a_password_change(
    page: Any, browser: Any, live_idp: LiveIdp
) -> None:
    # Théo reads the pages in English (his account's language).
    _sign_in_jasmin(page, live_idp, "theo.lefebvre")
    saved = page.context.cookies()
    page.get_by_role("link", name="Change password").click()
    # The change page is not tied to a session (the app opens it too): the realm's language.
    page.get_by_label("Mot de passe actuel").fill(JASMIN["theo.lefebvre"])
    page.get_by_label("Nouveau mot de passe").fill("Orage-Lointain#2027!")
    page.get_by_label("Confirmation").fill("Orage-Lointain#2027!")
    page.get_by_role("button", name="Changer de mot de passe").click()
    page.wait_for_url("**/realms/jasmin/login")
    assert _replay_is_refused(browser, live_idp, saved)


def test_security_page_adds_a_device_after_the_password(page: Any, live_idp: LiveIdp) -> None:
    _sign_in_jasmin(page, live_idp, "camille.martin")
    page.goto(live_idp.url("/realms/jasmin/security"))
    expect(page.get_by_role("heading", name="Informations de sécurité")).to_be_visible()
    page.get_by_role("link", name="Ajouter une méthode de connexion").click()
    page.get_by_label("Mot de passe actuel").fill("not it")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_text("Mot de passe incorrect.")).to_be_visible()
    page.get_by_label("Mot de passe actuel").fill(JASMIN["camille.martin"])
    page.get_by_role("button", name="Continuer").click()
    assert page.get_by_test_id("enrollment-uri").inner_text().startswith("otpauth://idp-push/")
    page.goto(live_idp.url("/realms/jasmin/security"))
    activity = page.get_by_test_id("activity").inner_text()
    assert "Connexion réussie" in activity
    assert "Mot de passe actuel refusé" in activity


def test_security_page_on_uphf_changes_the_joker_question(page: Any, live_idp: LiveIdp) -> None:
    page.goto(live_idp.url("/realms/uphf/login"))
    page.get_by_label("Identifiant :*").fill(UPHF[0])
    page.get_by_label("Mot de passe :*", exact=True).fill(UPHF[1])
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/realms/uphf/profile")
    page.get_by_role("link", name="Mes informations de sécurité").click()
    question = page.get_by_test_id("secret-question")
    assert "premier animal" in question.inner_text()
    page.get_by_test_id("methods").get_by_role(
        "row", name=re.compile("Question secrète")
    ).get_by_role("link", name="Modifier").click()
    page.get_by_label("Question secrète").fill("Quel était le nom de votre école ?")
    page.get_by_label("Réponse", exact=True).fill("Jules Ferry")
    page.get_by_label("Mot de passe actuel").fill(UPHF[1])
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/realms/uphf/security")
    expect(page.get_by_text("Votre question secrète a été modifiée.")).to_be_visible()
    assert "école" in page.get_by_test_id("secret-question").inner_text()
    shot(page, "security-info-uphf")


def test_security_page_email_change_waits_for_the_mailed_link(
    page: Any, browser: Any, live_idp: LiveIdp
) -> None:
    import json
    import urllib.request

    _sign_in_jasmin(page, live_idp, "camille.martin")
    page.goto(live_idp.url("/realms/jasmin/security"))
    before = page.get_by_test_id("email").inner_text()
    page.get_by_test_id("methods").get_by_role(
        "row", name=re.compile("Adresse de messagerie")
    ).get_by_role("link").click()
    page.get_by_label("Nouvelle adresse de messagerie").fill("camille.nouvelle@cfa-jasmin.example")
    page.get_by_label("Mot de passe actuel").fill(JASMIN["camille.martin"])
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/realms/jasmin/security")
    expect(page.get_by_text("Un lien de vérification a été envoyé à")).to_be_visible()
    assert "camille.nouvelle@" in page.get_by_test_id("pending-email").inner_text()
    assert page.get_by_test_id("email").inner_text().startswith(before.split()[0])
    shot(page, "security-info-pending-email-jasmin")

    with urllib.request.urlopen(live_idp.url("/_dev/mail"), timeout=10) as resp:  # noqa: S310
        mails = json.load(resp)
    mails = mails if isinstance(mails, list) else mails.get("messages", mails.get("mails", []))
    [mail] = [m for m in mails if m.get("kind") == "email_verification"]
    link = re.search(r"https?://\S+/security/email/verify/\S+", mail["text"])
    assert link is not None
    # Opened in another browser (a phone's mail app): no sign-in needed.
    other = browser.new_context(locale="fr-FR")
    phone = other.new_page()
    phone.goto(link.group(0))
    expect(phone.get_by_text("camille.nouvelle@cfa-jasmin.example").first).to_be_visible()
    shot(phone, "security-email-verify-jasmin")
    phone.get_by_role("button", name="Confirmer cette adresse").click()
    expect(phone.get_by_text("Votre adresse de messagerie est désormais")).to_be_visible()
    phone.goto(link.group(0))
    expect(phone.get_by_role("heading", name="Lien non valide")).to_be_visible()
    shot(phone, "security-email-link-invalid-jasmin")
    other.close()
    page.reload()
    assert "camille.nouvelle@cfa-jasmin.example" in page.get_by_test_id("email").inner_text()
