"""Regenerate docs/screenshots/: the main IdP pages in real headless Chromium.

Starts a throw-away ``idp serve`` on a free loopback port (test mode, temporary database),
signs in where needed, and writes one PNG per page at desktop and phone sizes.
Run: ./scripts/screenshots
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from idp.realms.preset import load_builtin_presets  # noqa: E402
from tests.e2e.conftest import CHROMIUM_FLAGS, chromium_path, start_idp, stop_idp  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZES = {"desktop": (1280, 800), "phone": (360, 640)}


def demo_user(slug: str) -> tuple[str, str]:
    preset = next(p for p in load_builtin_presets() if p.slug == slug)
    return preset.demo_users[0].username, preset.demo_users[0].password


TOO_WIDE: list[str] = []


def shoot(page: Page, name: str) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"wrote {path.relative_to(ROOT)}")
    # Every page must fit a 360 px phone without horizontal scrolling.
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll = int(page.evaluate("document.documentElement.scrollWidth"))
    if scroll > width:
        TOO_WIDE.append(f"{name}: {scroll} px wide in a {width} px window")


def sign_in_metamots(page: Page, url: str) -> None:
    """metamots' own sign-in form (seed 003): « Identifiant* », « Mot de passe* », « Connexion »."""
    username, password = demo_user("metamots")
    page.goto(url)
    page.get_by_label("Identifiant*").fill(username)
    page.get_by_label("Mot de passe*", exact=True).fill(password)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/profile")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        live = start_idp(Path(tmp))
        idp = str(Path(sys.executable).parent / "idp")
        admin, _password = demo_user("metamots")
        subprocess.run(
            [idp, "admin", "grant", "metamots", admin], env=live.env, check=True, timeout=60
        )
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                for size, (width, height) in SIZES.items():
                    ctx = browser.new_context(
                        locale="fr-FR", viewport={"width": width, "height": height}
                    )
                    page = ctx.new_page()
                    page.goto(live.url("/"))
                    shoot(page, f"idp-realms-{size}")
                    for slug in ("jasmin", "nouvelle-aquitaine", "metamots", "uphf"):
                        page.goto(live.url(f"/realms/{slug}/login"))
                        shoot(page, f"idp-{slug}-login-{size}")
                    username, password = demo_user("jasmin")
                    page.goto(live.url("/realms/jasmin/login"))
                    page.get_by_label("Identifiant").fill(username)
                    page.get_by_label("Mot de passe", exact=True).fill(password)
                    page.get_by_role("button", name="Se connecter").click()
                    page.wait_for_url("**/profile")
                    shoot(page, f"idp-jasmin-profile-{size}")
                    page.get_by_role("link", name="Changer de mot de passe").click()
                    shoot(page, f"idp-jasmin-change-password-{size}")
                    page.goto(live.url("/realms/jasmin/security"))
                    shoot(page, f"idp-jasmin-security-{size}")
                    page.goto(live.url("/realms/jasmin/security/devices/add"))
                    shoot(page, f"idp-jasmin-add-method-{size}")
                    ctx.close()
                    # The realm admin console (metamots: its first demo user, made admin).
                    ctx = browser.new_context(
                        locale="fr-FR", viewport={"width": width, "height": height}
                    )
                    page = ctx.new_page()
                    sign_in_metamots(page, live.url("/realms/metamots/login"))
                    page.goto(live.url("/realms/metamots/admin/"))
                    shoot(page, f"idp-metamots-admin-users-{size}")
                    page.locator("[data-testid=users] a").first.click()
                    shoot(page, f"idp-metamots-admin-user-{size}")
                    page.goto(live.url("/realms/metamots/admin/audit"))
                    shoot(page, f"idp-metamots-admin-audit-{size}")
                    page.goto(live.url("/realms/metamots/security"))
                    shoot(page, f"idp-metamots-security-{size}")
                    ctx.close()
                browser.close()
        finally:
            stop_idp(live)
    for line in TOO_WIDE:
        print(f"too wide: {line}", file=sys.stderr)
    return 1 if TOO_WIDE else 0


if __name__ == "__main__":
    raise SystemExit(main())
