"""Seed 000 end to end: from the authenticator's "Changer de mot de passe" to a new password.

Real ``idp serve`` (test mode: fixed captcha answer), real headless Chromium following the
guide's labels, and the headless ``authenticator`` answering the number-matching prompt.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USER = "camille.martin"
CAPTCHA = "E2E42"


@pytest.fixture(scope="module")
def app_vault(live_idp: LiveIdp, tmp_path_factory: pytest.TempPathFactory) -> HeadlessAuthenticator:
    auth = HeadlessAuthenticator(tmp_path_factory.mktemp("vault") / "vault.bin")
    uri = live_idp.cli("device", "enroll-uri", "jasmin", USER).stdout.strip()
    added = auth.run("add", uri)
    assert added.returncode == 0, added.stderr
    return auth


def change_password_url(auth: HeadlessAuthenticator) -> str:
    """Steps 01-03: the account's profile in the app gives the change-password link."""
    listed = json.loads(auth.run("list", "--json").stdout)
    account = next(a for a in listed["accounts"] if a["name"] == USER)
    return str(account["push"]["change_password_url"])


def to_notification_step(page, auth: HeadlessAuthenticator) -> None:  # type: ignore[no-untyped-def]
    page.goto(change_password_url(auth))
    assert page.get_by_label("Identifiant").input_value() == USER
    shot(page, "jasmin-04-change-password")
    page.get_by_role("link", name="J'ai oublié mon mot de passe").click()  # step 04
    page.get_by_label("Renseignez les caractères de l'image").fill(CAPTCHA)  # step 05
    shot(page, "jasmin-05-captcha")
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Envoyer une notification").wait_for()  # step 06


def send_notification(page) -> int:  # type: ignore[no-untyped-def]
    shot(page, "jasmin-06-send-notification")
    page.get_by_role("button", name="Envoyer une notification").click()
    page.get_by_text("Soyez bien attentif au numéro qui s'affiche").wait_for()  # step 07
    shot(page, "jasmin-07-number")
    return int(page.get_by_test_id("match-number").inner_text())


def test_the_whole_guide_then_sign_in(
    page, live_idp: LiveIdp, app_vault: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    to_notification_step(page, app_vault)
    number = send_notification(page)
    answer = app_vault.run("approve", "--number", str(number), "--timeout", "20")  # step 08
    assert answer.returncode == 0, answer.stderr
    page.wait_for_url("**/recovery/set_password")  # step 09
    expect(page.get_by_text("Doit comporter entre 12 et 64 caractères")).to_be_visible()
    shot(page, "jasmin-09-new-password")
    page.get_by_label("Nouveau mot de passe").fill("Papillon-Bleu-2027!")
    page.get_by_label("Confirmation").fill("Papillon-Bleu-2027!")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Félicitations ! votre mot de passe a été réinitialisé.").wait_for()  # 10
    assert page.get_by_text("Il vous sera demandé de le réinitialiser tous les 90 jours.")
    shot(page, "jasmin-10-success")
    # The new password works (and the push second factor is asked again).
    page.get_by_role("link", name="Se connecter").click()
    page.get_by_label("Identifiant").fill(USER)
    page.get_by_label("Mot de passe", exact=True).fill("Papillon-Bleu-2027!")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/login/push")
    number = int(page.get_by_test_id("match-number").inner_text())
    assert app_vault.run("approve", "--number", str(number), "--timeout", "20").returncode == 0
    page.wait_for_url("**/profile")
    # The profile lists the device: its table used to make the page 455 px wide on a phone.
    assert page.locator("table.device-list tbody tr").count() >= 1
    shot(page, "jasmin-profile-with-device")
    page.set_viewport_size({"width": 360, "height": 640})
    shot(page, "jasmin-profile-with-device-phone")


def test_wrong_number_stops_this_notification(
    page, live_idp: LiveIdp, app_vault: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    to_notification_step(page, app_vault)
    number = send_notification(page)
    wrong = number % 89 + 10
    answer = app_vault.run("approve", "--number", str(wrong), "--timeout", "20")
    assert answer.returncode != 0
    assert "number_mismatch" in answer.stderr
    page.get_by_test_id("push-outcome").wait_for()
    assert "ne correspond pas" in page.get_by_test_id("push-outcome").inner_text()
    # The page moved on by a GET: no re-posted form, so no « plus à jour » banner above.
    expect(page.get_by_text("Cette page n'était plus à jour")).to_have_count(0)
    assert page.url.endswith("/recovery/verify_push")


def test_denied(page, live_idp: LiveIdp, app_vault: HeadlessAuthenticator) -> None:  # type: ignore[no-untyped-def]
    to_notification_step(page, app_vault)
    send_notification(page)
    assert app_vault.run("deny", "--timeout", "20").returncode == 0
    page.get_by_test_id("push-outcome").wait_for()
    assert "refusée" in page.get_by_test_id("push-outcome").inner_text()


def test_reported_stops_the_attempt(
    page, live_idp: LiveIdp, app_vault: HeadlessAuthenticator
) -> None:  # type: ignore[no-untyped-def]
    to_notification_step(page, app_vault)
    send_notification(page)
    assert app_vault.run("deny", "--report", "--timeout", "20").returncode == 0
    page.get_by_test_id("flow-problem").wait_for()
    assert "enregistrée comme suspecte" in page.get_by_test_id("flow-problem").inner_text()
    shot(page, "jasmin-reported")


def test_expired_notification(
    page, live_idp: LiveIdp, tmp_path_factory: pytest.TempPathFactory
) -> None:  # type: ignore[no-untyped-def]
    """Last in the module: it moves the server's clock forward (test mode)."""
    from tests.e2e.conftest import advance_clock

    other = HeadlessAuthenticator(tmp_path_factory.mktemp("vault2") / "vault.bin")
    uri = live_idp.cli("device", "enroll-uri", "jasmin", "theo.lefebvre").stdout.strip()
    assert other.run("add", uri).returncode == 0
    page.goto(live_idp.url("/realms/jasmin/recovery/?login=theo.lefebvre"))
    page.get_by_label("Renseignez les caractères de l'image").fill(CAPTCHA)
    page.get_by_role("button", name="Suivant").click()
    send_notification(page)
    advance_clock(live_idp, 61)
    page.get_by_test_id("push-outcome").wait_for()
    assert "La demande a expiré sans réponse." in page.get_by_test_id("push-outcome").inner_text()
    expect(page.get_by_text("Cette page n'était plus à jour")).to_have_count(0)
    # And sending again from there works (the form carries the current version).
    page.get_by_role("button", name="Renvoyer une notification").click()
    page.get_by_text("Soyez bien attentif au numéro qui s'affiche").wait_for()
    expect(page.get_by_text("Cette page n'était plus à jour")).to_have_count(0)
