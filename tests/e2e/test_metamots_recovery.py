"""Seed 003 end to end, in French and in English: real ``idp serve``, real SMTP (aiosmtpd),
real Chromium from the login page through the mailed link to signing in again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot, start_idp, stop_idp
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LABELS = {
    "fr": {
        "reset": "Réinitialiser votre mot de passe",
        "email": "Email*",
        "first": "Prénom*",
        "last": "Nom*",
        "country": "Pays*",
        "quality": "Qualité*",
        "ask": "Demande de mot de passe",
        "taken": "Demande prise en compte",
        "new": "Nouveau mot de passe*",
        "change": "Modifier le mot de passe",
        "done": "Changement de mot de passe effectué",
        "user": "Identifiant*",
        "password": "Mot de passe*",
        "sign_in": "Connexion",
        "language": "Français",
    },
    "en": {
        "reset": "Reset your password",
        "email": "Email*",
        "first": "First name*",
        "last": "Last name*",
        "country": "Country*",
        "quality": "Organisation type*",
        "ask": "Request a password",
        "taken": "Request received",
        "new": "New password*",
        "change": "Change the password",
        "done": "Password changed",
        "user": "Username*",
        "password": "Password*",
        "sign_in": "Sign in",
        "language": "English",
    },
}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def mm_idp(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[LiveIdp]:
    live = start_idp(tmp_path_factory.mktemp("mm"), IDP_SMTP_URL=smtp.url)
    yield live
    stop_idp(live)


def fill_identity(
    page,
    t: dict[str, str],
    first: str,
    last: str,
    email: str,  # type: ignore[no-untyped-def]
    country: str = "FR",
    quality: str = "Entreprise",
) -> None:
    page.get_by_label(t["email"], exact=True).fill(email)
    page.get_by_label(t["first"], exact=True).fill(first)
    page.get_by_label(t["last"], exact=True).fill(last)
    page.get_by_label(t["country"], exact=True).select_option(country)
    page.get_by_label(t["quality"], exact=True).select_option(quality)


def link_in(mail) -> str:  # type: ignore[no-untyped-def]
    match = re.search(
        r"(https?://\S+/recovery/link/[\w-]+)", mail.get_body(("plain",)).get_content()
    )
    assert match, "no link in the mail"
    return match.group(1)


@pytest.mark.parametrize(
    ("lang", "user", "first", "last", "email", "country", "quality", "new"),
    [
        (
            "fr",
            "sophie.bernard",
            "Sophie",
            "Bernard",
            "sophie.bernard@entreprise.example",
            "FR",
            "Entreprise",
            "Nouvel!Azur2027",
        ),
        (
            "en",
            "julien.moreau",
            "JULIEN",
            "moreau",
            "julien.moreau@association.example",
            "BE",
            "Association",
            "Fresh#Words2027",
        ),
    ],
)
def test_request_link_recreate_sign_in(
    page,
    mm_idp: LiveIdp,
    smtp: SmtpServer,
    lang: str,  # type: ignore[no-untyped-def]
    user: str,
    first: str,
    last: str,
    email: str,
    country: str,
    quality: str,
    new: str,
) -> None:
    t = LABELS[lang]
    smtp.clear()
    page.goto(mm_idp.url("/realms/metamots/login"))
    if lang == "en":  # the interface language switches the whole page at once
        page.get_by_label("Langue de l'interface*").select_option("en")
        page.get_by_text("Forgot your password?").wait_for()
    shot(page, f"metamots-1-login-{lang}")
    page.get_by_role("link", name=t["reset"]).click()
    page.wait_for_url("**/recovery/**")
    page.get_by_role("button", name=t["ask"]).wait_for()
    if lang == "fr":
        shot(page, "metamots-2-request")
    fill_identity(page, t, first, last, email, country, quality)
    page.get_by_role("button", name=t["ask"]).click()
    page.get_by_role("heading", name=t["taken"]).wait_for()
    shot(page, f"metamots-3-taken-{lang}")
    [mail] = smtp.wait_for(1, timeout=10)
    assert mail["To"] == email
    assert mail["Content-Language"] == lang
    link = link_in(mail)
    page.goto(link)
    fill_identity(page, t, first, last, email, country, quality)
    page.get_by_label(t["new"], exact=True).fill(new)
    shot(page, f"metamots-4-recreate-{lang}")
    page.get_by_role("button", name=t["change"]).click()
    page.get_by_role("heading", name=t["done"]).wait_for()
    shot(page, f"metamots-5-done-{lang}")
    # The link is single use.
    page.goto(link)
    expect(page.get_by_test_id("link-invalid")).to_be_visible()
    page.goto(mm_idp.url("/realms/metamots/login"))
    page.get_by_label(t["user"], exact=True).fill(user)
    page.get_by_label(t["password"], exact=True).fill(new)
    page.get_by_role("button", name=t["sign_in"]).click()
    page.wait_for_url("**/realms/metamots/profile")


def test_non_matching_request_gets_the_same_page_and_no_mail(
    page,
    mm_idp: LiveIdp,  # type: ignore[no-untyped-def]
    smtp: SmtpServer,
) -> None:
    smtp.clear()
    page.goto(mm_idp.url("/realms/metamots/recovery/"))
    fill_identity(page, LABELS["fr"], "Sophie", "Martin", "sophie.bernard@entreprise.example")
    page.get_by_role("button", name="Demande de mot de passe").click()
    page.get_by_role("heading", name="Demande prise en compte").wait_for()
    with pytest.raises(AssertionError):
        smtp.wait_for(1, timeout=2)


def test_superseded_link(page, mm_idp: LiveIdp, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    smtp.clear()
    for _ in range(2):
        page.goto(mm_idp.url("/realms/metamots/recovery/"))
        fill_identity(
            page,
            LABELS["fr"],
            "Hélène",
            "Lefèvre",
            "helene.lefevre@universite.example",
            "FR",
            "Établissement d'enseignement ou de recherche",
        )
        page.get_by_role("button", name="Demande de mot de passe").click()
        page.get_by_role("heading", name="Demande prise en compte").wait_for()
    old, new = (link_in(m) for m in smtp.wait_for(2, timeout=10))
    page.goto(old)
    expect(page.get_by_test_id("link-invalid")).to_be_visible()
    shot(page, "metamots-link-invalid")
    page.goto(new)
    page.get_by_role("heading", name="Recréer un mot de passe").wait_for()


def test_expired_and_tampered_links(page, mm_idp: LiveIdp, smtp: SmtpServer) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import advance_clock

    smtp.clear()
    page.goto(mm_idp.url("/realms/metamots/recovery/"))
    fill_identity(page, LABELS["fr"], "Sophie", "Bernard", "sophie.bernard@entreprise.example")
    page.get_by_role("button", name="Demande de mot de passe").click()
    page.get_by_role("heading", name="Demande prise en compte").wait_for()
    link = link_in(smtp.wait_for(1, timeout=10)[0])
    page.goto(link[:-4] + "AAAA")  # tampered
    expect(page.get_by_test_id("link-invalid")).to_be_visible()
    advance_clock(mm_idp, 3601)
    page.goto(link)  # expired
    expect(page.get_by_test_id("link-invalid")).to_be_visible()
