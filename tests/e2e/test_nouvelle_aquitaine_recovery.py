"""Seed 001 end to end: real ``idp serve`` mailing through a real SMTP server (aiosmtpd),
real Chromium following the guide's labels, the code read from the received mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot, start_idp, stop_idp
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

USER = "claire.fontaine@demarches.example"
EMAIL = "claire.fontaine@gmail.example"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def na_idp(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[LiveIdp]:
    live = start_idp(tmp_path_factory.mktemp("na"), IDP_SMTP_URL=smtp.url)
    yield live
    stop_idp(live)


def code_from(mail) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"\b(\d{6})\b", mail.get_body(("plain",)).get_content())
    assert match, "no code in the mail"
    return match.group(1)


def to_code_page(page, live: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    page.goto(live.url("/realms/nouvelle-aquitaine/login"))
    page.get_by_role("link", name="Mot de passe perdu").click()  # 1
    shot(page, "na-2-category")
    page.get_by_role("button", name=re.compile("Je suis un usager des services")).click()  # 2
    page.get_by_label("Adresse de messagerie").fill(EMAIL)  # 3
    page.get_by_role("button", name="Envoyer le code").click()
    page.get_by_role("button", name="Vérifier le code").wait_for()  # 4


def test_the_seven_steps_then_sign_in(page, na_idp: LiveIdp, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    smtp.clear()
    to_code_page(page, na_idp)
    shot(page, "na-4-code")
    [mail] = smtp.wait_for(1, timeout=10)
    assert mail["To"] == EMAIL
    assert mail["Message-ID"]
    assert mail["Date"]
    assert mail["From"]
    page.get_by_label("code").fill(code_from(mail))
    page.get_by_role("button", name="Vérifier le code").click()
    page.get_by_role("heading", name="Modifier le mot de passe").wait_for()  # 5
    page.get_by_label("Mot de passe", exact=True).fill("Bordeaux2027Soleil")
    page.get_by_text("Force : ").wait_for()
    page.get_by_text("Le mot de passe répond aux exigences").wait_for()
    page.get_by_label("Confirmer le mot de passe").fill("Bordeaux2027Soleil")
    shot(page, "na-5-new-password")
    page.get_by_role("button", name="Modifier le mot de passe").click()
    page.get_by_role("heading", name="Veuillez patienter").wait_for()  # 6
    shot(page, "na-6-wait")
    page.get_by_role("heading", name="Réussite").wait_for(timeout=30_000)  # 7
    expect(page.get_by_text("Votre identifiant est : c...@...")).to_be_visible()
    expect(
        page.get_by_text("Votre adresse de messagerie est : c...@...mail.example")
    ).to_be_visible()
    shot(page, "na-7-success")
    page.get_by_role("link", name="Continuer").click()
    page.get_by_label("Identifiant").fill(USER)
    page.get_by_label("Mot de passe", exact=True).fill("Bordeaux2027Soleil")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/realms/nouvelle-aquitaine/profile")
    notices = [m for m in smtp.messages if "modifié" in str(m["Subject"])]
    assert notices, "a password-changed notice was mailed"


def test_resend_and_wrong_code(page, na_idp: LiveIdp, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    smtp.clear()
    to_code_page(page, na_idp)
    smtp.wait_for(1, timeout=10)
    page.get_by_label("code").fill("000000")
    page.get_by_role("button", name="Vérifier le code").click()
    expect(page.get_by_text(re.compile(r"Ce code n'est pas valide \(4 essai"))).to_be_visible()
    page.get_by_role("button", name="Renvoyer le code").click()
    expect(page.get_by_text(re.compile("Patientez .* secondes"))).to_be_visible()


def test_restart_during_veuillez_patienter(
    page, na_idp: LiveIdp, smtp: SmtpServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    smtp.clear()
    to_code_page(page, na_idp)
    [mail] = smtp.wait_for(1, timeout=10)
    page.get_by_label("code").fill(code_from(mail))
    page.get_by_role("button", name="Vérifier le code").click()
    page.get_by_label("Mot de passe", exact=True).fill("Arcachon2028Dune")
    page.get_by_label("Confirmer le mot de passe").fill("Arcachon2028Dune")
    page.get_by_role("button", name="Modifier le mot de passe").click()
    page.get_by_role("heading", name="Veuillez patienter").wait_for()
    # The IdP goes down while the change is pending, and comes back on the same port.
    port = int(na_idp.base_url.rsplit(":", 1)[1])
    stop_idp(na_idp)
    revived = start_idp(na_idp.instance, port=port, IDP_SMTP_URL=smtp.url)
    na_idp.process = revived.process
    page.get_by_role("heading", name="Réussite").wait_for(timeout=30_000)
    audit = (
        na_idp.cli(
            "audit", "--realm", "nouvelle-aquitaine", "--event", "password_changed", "--json"
        )
        .stdout.strip()
        .splitlines()
    )
    assert len(audit) == 2  # this change and the first test's: each applied exactly once


def test_code_expiry(page, na_idp: LiveIdp, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import advance_clock

    smtp.clear()
    to_code_page(page, na_idp)
    [mail] = smtp.wait_for(1, timeout=10)
    advance_clock(na_idp, 16 * 60)
    page.get_by_label("code").fill(code_from(mail))
    page.get_by_role("button", name="Vérifier le code").click()
    expect(page.get_by_text("Ce code a expiré.")).to_be_visible()
