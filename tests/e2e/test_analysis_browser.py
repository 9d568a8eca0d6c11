"""The recovery-policy analysis page in Chromium: graph drawn by dot, text without it, 360 px."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import LiveIdp, shot


def test_uphf_analysis_page_draws_the_attack_paths(live_idp: LiveIdp, page: object) -> None:
    page.goto(live_idp.url("/realms/uphf/analysis"))  # type: ignore[attr-defined]
    heading = page.locator("h1")  # type: ignore[attr-defined]
    assert heading.inner_text() == "Analyse de la politique de récupération"
    graph = page.locator(".analysis-graph svg")  # type: ignore[attr-defined]
    expect(graph).to_have_count(1)
    # Node labels are text in the SVG, drawn by Graphviz from the translated labels.
    svg_text = " ".join(graph.text_content().split())  # dot wraps long labels
    assert "Question joker" in svg_text
    assert "Réinitialiser le mot de passe" in svg_text
    row = page.locator('tr[data-attacker="personal_data_secret_answer"] td')  # type: ignore[attr-defined]
    assert row.all_inner_texts()[:2] == ["Oui", "Oui"]
    page.locator('details[data-attacker="personal_data"] summary').click()  # type: ignore[attr-defined]
    details = page.locator('details[data-attacker="personal_data"]')  # type: ignore[attr-defined]
    detail = details.inner_text().replace("\xa0", " ").replace("\u202f", " ")  # no-break spaces
    assert "(bloqué à « Question joker » ; manque : réponse à la question joker)" in detail
    assert "Prendre la main sur la récupération — Non (il faut d'abord se connecter)" in detail
    assert page.locator('[data-finding="kba_secret_question"] a').first.inner_text() == (  # type: ignore[attr-defined]
        "NIST SP 800-63B §5.1.1.2"
    )
    # The graph scrolls inside its own box; the page itself fits the phone.
    shot(page, "analysis-uphf")
    directory = os.environ.get("IDP_SCREENSHOT_DIR")
    if directory:
        page.set_viewport_size({"width": 360, "height": 740})  # type: ignore[attr-defined]
        page.screenshot(path=str(Path(directory) / "analysis-uphf-phone.png"))  # type: ignore[attr-defined]


def test_analysis_page_in_english(live_idp: LiveIdp, browser: object) -> None:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(live_idp.url("/realms/jasmin/analysis"))
        assert page.locator("h1").inner_text() == "Recovery policy analysis"
        svg_text = " ".join(page.locator(".analysis-graph svg").text_content().split())
        assert "Phone only" in svg_text
        assert "Approved notification in the app" in svg_text
        shot(page, "analysis-jasmin-en")
    finally:
        context.close()
