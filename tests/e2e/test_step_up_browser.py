"""Step-up on « Mes informations de sécurité » in real Chromium, approved by the headless app.

Camille signs in with her password (no device yet), adds the app from the security page, then
confirms an email change with a push instead of her password, and turns on the option that
requires a second factor for every change.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USER, PASSWORD = "camille.martin", "Tournesol-Vert-42!"


def _push_and_approve(page: Any, auth: HeadlessAuthenticator) -> None:
    page.wait_for_url("**/login/push")
    number = page.get_by_test_id("match-number").inner_text().strip()
    result = auth.run("approve", "--number", number, "--timeout", "20")
    assert result.returncode == 0, result.stderr


def test_a_push_confirms_changes_and_the_option_requires_it(
    page: Any, live_idp: LiveIdp, tmp_path: Any
) -> None:
    page.goto(live_idp.url("/realms/jasmin/login"))
    page.get_by_label("Identifiant").fill(USER)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/realms/jasmin/profile")

    page.goto(live_idp.url("/realms/jasmin/security"))
    page.get_by_role("link", name="Ajouter une méthode de connexion").click()
    page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    auth = HeadlessAuthenticator(tmp_path / "vault.bin")
    added = auth.run("add", page.get_by_test_id("enrollment-uri").inner_text().strip())
    assert added.returncode == 0, added.stderr

    # The session was opened with the password only: the form offers the app instead.
    page.goto(live_idp.url("/realms/jasmin/security/email"))
    page.get_by_test_id("step-up").click()
    expect(page.get_by_role("heading", name="Confirmer avec un second facteur")).to_be_visible()
    shot(page, "security-step-up-jasmin")
    page.get_by_role("button", name="Envoyer une notification").click()
    _push_and_approve(page, auth)
    page.wait_for_url("**/realms/jasmin/security/email")
    expect(page.get_by_test_id("confirmed-by-second-factor")).to_be_visible()
    expect(page.get_by_label("Mot de passe actuel")).to_have_count(0)
    shot(page, "security-email-confirmed-jasmin")
    page.get_by_label("Nouvelle adresse de messagerie").fill("camille.pro@cfa-jasmin.example")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/realms/jasmin/security")
    expect(page.get_by_text("Un lien de vérification a été envoyé à")).to_be_visible()

    # The option: on, while the second factor is fresh.
    page.get_by_test_id("methods").get_by_role(
        "row", name=re.compile("Exiger un second facteur")
    ).get_by_role("link", name="Modifier").click()
    shot(page, "security-protection-jasmin")
    page.get_by_role("button", name="Activer").click()
    page.wait_for_url("**/realms/jasmin/security")
    assert page.get_by_test_id("protection").inner_text() == "Activé"
    assert "Codes de récupération" in page.get_by_test_id("methods").inner_text()
    shot(page, "security-info-protected-jasmin")
