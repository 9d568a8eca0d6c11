"""Seed 004 end to end: real ``idp serve``, real SMTP (aiosmtpd), real Chromium following the
guide: recovery by student number and by INE, identifier recovery, account activation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot, start_idp, stop_idp
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def uphf_idp(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[LiveIdp]:
    live = start_idp(tmp_path_factory.mktemp("uphf"), IDP_SMTP_URL=smtp.url)
    yield live
    stop_idp(live)


def cas_login(page, live: LiveIdp, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live.url("/realms/uphf/login"))
    page.get_by_label("Identifiant :*").fill(user)
    page.get_by_label("Mot de passe :*", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize(
    ("link", "number", "birth", "answer", "new", "tag"),
    [
        ("Numéro étudiant", "22104578", "17/04/2003", "caramel", "Lille#Roubaix2027", "student"),
        ("Numéro INE", "1X7Y4Z2W9V3", "03/11/2002", "MAUBEUGE", "Valmy&Jemmapes1792", "ine"),
    ],
)
def test_recover_password(
    page,
    uphf_idp: LiveIdp,
    smtp: SmtpServer,
    link: str,
    number: str,  # type: ignore[no-untyped-def]
    birth: str,
    answer: str,
    new: str,
    tag: str,
) -> None:
    smtp.clear()
    page.goto(uphf_idp.url("/realms/uphf/login"))
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.get_by_role("link", name=re.compile("Récupérer mon mot de passe")).click()
    if tag == "student":
        shot(page, "uphf-1-kinds")
    page.get_by_role("link", name=re.compile(link)).click()
    page.get_by_label(re.compile(link)).fill(number)
    page.get_by_label("Date de naissance :").fill(birth)
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("50%").wait_for()
    if tag == "student":
        shot(page, "uphf-2-joker")
    page.get_by_label("votre réponse").fill(answer)
    page.get_by_role("button", name="Valider").click()
    page.get_by_label("Nouveau mot de passe").fill(new)
    page.get_by_label("Confirmation").fill(new)
    page.get_by_label("Je reconnais avoir pris connaissance du règlement intérieur").check()
    if tag == "student":
        shot(page, "uphf-3-new-password")
    page.get_by_role("button", name="Valider").click()
    page.get_by_text("Voilà, votre mot de passe a bien été modifié").wait_for()
    if tag == "student":
        shot(page, "uphf-4-done")
    [mail] = smtp.wait_for(1, timeout=10)  # the confirmation mail of the guide
    assert "modifié" in str(mail["Subject"])
    user = "lea.dubois" if tag == "student" else "hugo.lambert"
    cas_login(page, uphf_idp, user, new)
    page.wait_for_url("**/realms/uphf/profile")


def test_recover_identifier(page, uphf_idp: LiveIdp, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    smtp.clear()
    page.goto(uphf_idp.url("/realms/uphf/sesame/identifiants-oublies"))
    page.get_by_role("link", name=re.compile("Récupérer mon identifiant")).click()
    page.get_by_role("link", name="Numéro personnel").click()
    page.get_by_label(re.compile("Numéro personnel")).fill("071234")
    page.get_by_label("Date de naissance :").fill("22/09/1978")
    page.get_by_role("button", name="Valider").click()
    assert page.get_by_test_id("masked-identifier").inner_text().endswith("n...")
    [mail] = smtp.wait_for(1, timeout=10)
    assert "nathalie.roux" in mail.get_body(("plain",)).get_content()


def test_activate_account(page, uphf_idp: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    page.goto(uphf_idp.url("/realms/uphf/login"))
    page.get_by_role("link", name="Activer mon compte").click()
    page.get_by_role("link", name="Numéro étudiant").click()
    page.get_by_label(re.compile("Numéro étudiant")).fill("22509876")
    page.get_by_label("Date de naissance :").fill("30/06/2005")
    page.get_by_role("button", name="Valider").click()
    page.get_by_label("Question joker").select_option("Quel est votre plat préféré ?")
    page.get_by_label("votre réponse").fill("Carbonade")
    page.get_by_label("Nouveau mot de passe").fill("Beffroi!Douai2027")
    page.get_by_label("Confirmation").fill("Beffroi!Douai2027")
    page.get_by_label("Je reconnais avoir pris connaissance du règlement intérieur").check()
    shot(page, "uphf-activation")
    page.get_by_role("button", name="Valider").click()
    page.get_by_test_id("activated").wait_for()
    cas_login(page, uphf_idp, "manon.petit", "Beffroi!Douai2027")
    page.wait_for_url("**/realms/uphf/profile")


def test_help_page(page, uphf_idp: LiveIdp) -> None:  # type: ignore[no-untyped-def]
    page.goto(uphf_idp.url("/realms/uphf/login"))
    page.get_by_role("link", name="Besoin d'aide ?").click()
    expect(page.get_by_role("heading", name="Besoin d'aide ?")).to_be_visible()
