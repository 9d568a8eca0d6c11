"""The realm admin console in real Chromium: grant, sign in, find a user, act, read the audit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in_metamots(page: Any, live: LiveIdp, username: str, password: str) -> None:
    page.goto(live.url("/realms/metamots/login"))
    page.get_by_label("Identifiant*").fill(username)
    page.get_by_label("Mot de passe*", exact=True).fill(password)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/realms/metamots/profile")


def test_admin_disables_a_user_and_finds_it_in_the_audit(
    page: Any, browser: Any, live_idp: LiveIdp
) -> None:
    victim = browser.new_context(locale="fr-FR")
    victim_page = victim.new_page()
    _sign_in_metamots(victim_page, live_idp, "julien.moreau", "Lettres&Mots9")

    # Not an admin yet: 403.
    _sign_in_metamots(page, live_idp, "sophie.bernard", "Azur!Riviera7")
    assert page.goto(live_idp.url("/realms/metamots/admin/")).status == 403
    granted = live_idp.cli("admin", "grant", "metamots", "sophie.bernard", "--reason", "e2e")
    assert granted.returncode == 0, granted.stderr
    # Granting ended her sessions: sign in again to get the new rights.
    page.goto(live_idp.url("/realms/metamots/admin/"))
    assert "/realms/metamots/login" in page.url
    _sign_in_metamots(page, live_idp, "sophie.bernard", "Azur!Riviera7")
    page.goto(live_idp.url("/realms/metamots/admin/"))
    page.get_by_label("Rechercher").fill("julien")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="julien.moreau").click()
    expect(page.get_by_test_id("sessions").locator("tr")).to_have_count(1)
    form = page.locator("form", has=page.get_by_role("button", name="Désactiver le compte"))
    form.get_by_placeholder("Motif").fill("left the association")
    form.get_by_role("button", name="Désactiver le compte").click()
    expect(page.get_by_text("Action effectuée : Désactiver le compte.")).to_be_visible()
    assert "Désactivé" in page.get_by_test_id("status").inner_text()
    shot(page, "admin-user-metamots")
    victim_page.reload()
    assert "/realms/metamots/login" in victim_page.url
    victim.close()

    page.get_by_role("link", name="Journal d'audit").click()
    page.get_by_label("Événement").fill("admin_user_disabled")
    page.get_by_role("button", name="Filtrer").click()
    row = page.get_by_test_id("audit").locator("tbody tr").first
    assert "sophie.bernard" in row.inner_text()
    assert re.search(r"reason=left the association", row.inner_text())
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    assert download.value.suggested_filename.startswith("audit-metamots-")
    shot(page, "admin-audit-metamots")


def test_admin_adds_then_removes_an_oidc_application(page: Any, live_idp: LiveIdp) -> None:
    # 1: already an admin (the test above granted her in this server).
    granted = live_idp.cli(
        "admin", "grant", "metamots", "sophie.bernard", "--reason", "e2e", check=False
    )
    assert granted.returncode in (0, 1), granted.stderr
    _sign_in_metamots(page, live_idp, "sophie.bernard", "Azur!Riviera7")
    page.goto(live_idp.url("/realms/metamots/admin/"))
    page.get_by_role("link", name="Applications", exact=True).click()
    page.get_by_role("link", name="Ajouter une application").click()
    page.get_by_label("Nom de l'application").fill("Portail Metamots")
    page.get_by_label("Adresses de retour (une par ligne)").fill("http://portail.example/cb")
    page.get_by_label("Motif").fill("ticket 12")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("doit utiliser https")).to_be_visible()  # nothing registered
    shot(page, "admin-client-new-metamots")
    page.get_by_label("Adresses de retour (une par ligne)").fill("https://portail.example/cb")
    page.get_by_label("Motif").fill("ticket 12")
    page.get_by_role("button", name="Enregistrer").click()
    client_id = page.get_by_test_id("client-id").inner_text()
    assert len(page.get_by_test_id("client-secret").inner_text()) >= 40
    shot(page, "admin-client-added-metamots")
    listed = live_idp.cli("client", "list", "metamots")
    assert client_id in listed.stdout

    page.get_by_role("link", name="Retour aux applications").click()
    assert client_id in page.get_by_test_id("clients").inner_text()
    shot(page, "admin-clients-metamots")
    page.get_by_role("link", name="Supprimer Portail Metamots").click()
    expect(page.get_by_text("Supprimer l'application « Portail Metamots » ?")).to_be_visible()
    shot(page, "admin-client-remove-metamots")
    page.get_by_label("Motif").fill("retired")
    page.get_by_role("button", name="Supprimer définitivement").click()
    expect(page.get_by_text("L'application « Portail Metamots » a été supprimée.")).to_be_visible()
    assert client_id not in page.get_by_test_id("clients").inner_text()
    assert client_id not in live_idp.cli("client", "list", "metamots").stdout
    audit = live_idp.cli("audit", "--realm", "metamots", "--json")
    assert '"oidc_client_removed"' in audit.stdout
