"""Seed 000 with the code method: step 06 « Entrer un code de mon application
d'authentification », the code read from the headless ``authenticator code``; then sign-in
with a code from the push wait page, and a replayed code refused.

Real ``idp serve`` (test mode), real headless Chromium, the real headless authenticator.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp, shot
from tests.e2e.test_jasmin_recovery import CAPTCHA, USER, change_password_url

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_PASSWORD = "Libellule-Verte-2028!"


@pytest.fixture(scope="module")
def app_vault(live_idp: LiveIdp, tmp_path_factory: pytest.TempPathFactory) -> HeadlessAuthenticator:
    auth = HeadlessAuthenticator(tmp_path_factory.mktemp("vault") / "vault.bin")
    uri = live_idp.cli("device", "enroll-uri", "jasmin", USER).stdout.strip()
    added = auth.run("add", uri)
    assert added.returncode == 0, added.stderr
    return auth


def app_code(auth: HeadlessAuthenticator) -> str:
    shown = auth.run("code", USER)
    assert shown.returncode == 0, shown.stderr
    code = shown.stdout.strip()
    assert code.isdigit(), shown.stdout
    return code


def wait_for_next_period(period: int = 30) -> None:
    time.sleep(period - time.time() % period + 0.5)


def test_recovery_with_a_code_from_the_app_then_sign_in_with_a_code(
    page, live_idp: LiveIdp, app_vault: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    # Steps 01-05 as in the guide.
    page.goto(change_password_url(app_vault))
    page.get_by_role("link", name="J'ai oublié mon mot de passe").click()
    page.get_by_label("Renseignez les caractères de l'image").fill(CAPTCHA)
    page.get_by_role("button", name="Suivant").click()
    # Step 06: the guide's button first, then the code from the app.
    send = page.get_by_role("button", name="Envoyer une notification")
    use_code = page.get_by_role(
        "button", name="Entrer un code de mon application d'authentification"
    )
    send.wait_for()
    assert send.bounding_box()["y"] < use_code.bounding_box()["y"]
    shot(page, "jasmin-06-methods")
    use_code.click()
    page.wait_for_url("**/recovery/verify_totp")
    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_text("Code incorrect.")).to_be_visible()
    wait_for_next_period()  # a fresh code, so that the sign-in below can use the next one
    code = app_code(app_vault)
    page.get_by_label("Code de vérification").fill(code)
    shot(page, "jasmin-06-code")
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url("**/recovery/set_password")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Félicitations ! votre mot de passe a été réinitialisé.").wait_for()
    # Sign in: password, then « Utiliser un code de vérification » on the push wait page.
    page.get_by_role("link", name="Se connecter").click()
    page.get_by_label("Identifiant").fill(USER)
    page.get_by_label("Mot de passe", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/login/push")
    page.get_by_role("link", name="Utiliser un code de vérification").click()
    page.wait_for_url("**/login/code")
    page.get_by_label("Code de vérification").fill(code)  # the one recovery already used
    page.get_by_role("button", name="Vérifier").click()
    expect(page.get_by_text("Ce code a déjà été utilisé.")).to_be_visible()
    shot(page, "sign-in-code-replayed")
    wait_for_next_period()
    page.get_by_label("Code de vérification").fill(app_code(app_vault))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url("**/profile")
    audit = live_idp.cli("audit", "--realm", "jasmin", "--event", "totp_verify", "--json")
    assert audit.stdout.count('"success"') == 2
    assert "totp_replayed" in audit.stdout
    # The recovery codes, shown once from the enrollment page (« C'est fait »).
    page.get_by_role("link", name="Ajouter l'application Authenticator").click()
    # The code just proved a second factor: the change is confirmed by it, no password asked.
    page.get_by_test_id("confirmed-by-second-factor").wait_for()
    expect(page.get_by_label("Mot de passe actuel")).to_have_count(0)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_role("button", name="C'est fait : afficher mes codes de récupération").click()
    page.get_by_role("heading", name="Vos codes de récupération").wait_for()
    codes = page.get_by_test_id("recovery-code-list").locator("li").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_test_id("download-codes").click()
    saved = download.value.path().read_text(encoding="utf-8")
    assert all(code in saved for code in codes)
    shot(page, "recovery-codes")
    # Two columns of five, their rows level (a column break used to drop the first margin).
    items = page.get_by_test_id("recovery-code-list").locator("li")
    tops = [round(items.nth(i).bounding_box()["y"]) for i in range(items.count())]
    assert len(tops) == 10
    assert tops[:5] == tops[5:], tops
    page.get_by_role("link", name="J'ai mis mes codes en lieu sûr").click()
    page.get_by_text("Codes de récupération restants : 10.").wait_for()
