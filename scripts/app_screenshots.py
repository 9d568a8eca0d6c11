"""Regenerate the app's screenshots: docs/screenshots/app-*.png (phone size, and desktop).

Runs the real app in a Kivy window (use a display, or ``xvfb-run -a``) on a throw-away vault
with demo accounts and a fixed clock, drives it with simulated touches, and feeds the push
prompt a challenge signed like the IdP's. ``./scripts/screenshots`` calls it under Xvfb.
Run alone: xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python scripts/app_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # Kivy leaves stderr alone
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))

from authenticator_app.app import AppServices  # noqa: E402 - after the Kivy environment
from authenticator_app.core.accounts import Account, OtpParameters  # noqa: E402
from authenticator_app.core.challenges import ChallengeInbox  # noqa: E402
from authenticator_app.core.clock import FixedClock  # noqa: E402
from authenticator_app.core.vault import Vault  # noqa: E402
from authenticator_app.core.watcher import ChallengeArrived  # noqa: E402
from shared.addresses import realm_url  # noqa: E402
from shared.messages import ChallengeContext  # noqa: E402
from tests.authenticator_app.conftest import FAST_KDF, PIN  # noqa: E402
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account  # noqa: E402
from tests.authenticator_app.gui.harness import GuiHarness  # noqa: E402
from tests.authenticator_app.gui.image_camera import BrokenCamera, image_camera  # noqa: E402
from tests.authenticator_app.qr_pictures import scene  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
NOW = datetime(2026, 3, 14, 13, 9, 18, tzinfo=UTC)
PHONE, DESKTOP = (360, 640), (1280, 720)
CLOSED_PORT_URL = "http://127.0.0.1:9"  # loopback "discard": nothing listens, refused at once


def demo_vault(path: Path, realm: Realm) -> Account:
    vault = Vault.create(path, PIN, kdf=FAST_KDF)
    jasmin = push_account(
        realm,
        NOW,
        account_id="acct_jasmin",
        otp=OtpParameters(secret=RFC_SECRET),
    ).model_copy(update={"issuer": "AECE CFA JASMIN", "name": "camille.martin"})
    vault.add_account(jasmin)
    for account_id, issuer, name, secret in (
        ("acct_github", "GitHub", "camille-martin", "JBSWY3DPEHPK3PXPJBSWY3DP"),
        ("acct_univ", "Université", "c.martin@etu.example.fr", "KRSXG5CTMVRXEZLUKRSXG5CT"),
    ):
        vault.add_account(
            Account(
                id=account_id,
                issuer=issuer,
                name=name,
                added_at=NOW,
                otp=OtpParameters(secret=secret),
            )
        )
    return jasmin


def start_app(vault_path: Path, size: tuple[int, int], **services: Any) -> GuiHarness:
    """The app in French on ``vault_path`` at ``size``: the demo clock, no watch, no system
    notification (``services`` override or add to these)."""
    defaults: dict[str, Any] = {
        "clock": FixedClock(NOW),
        "kdf": FAST_KDF,
        "watch": False,
        "language": "fr",
        "notify": lambda _title, _text: None,
    }
    return GuiHarness.start(AppServices(vault_path=vault_path, **{**defaults, **services}), size)


def shoot(gui: GuiHarness, name: str) -> None:
    gui.settle()
    path = gui.screenshot(OUT / f"app-{name}.png")
    print(f"wrote {path.relative_to(ROOT)}")


def unlock(gui: GuiHarness) -> None:
    gui.enter_pin(PIN)


def arrive(
    gui: GuiHarness, realm: Realm, account: Account, clock: FixedClock, *, choose: bool = False
) -> None:
    """A challenge as the IdP signs it, verified by the core and handed to the prompt."""
    token, _claims = realm.challenge(
        clock(),
        ttl=120,
        user="camille.martin",
        account="camille.martin",
        purpose="sign_in" if choose else "password_reset",
        mode="choose" if choose else "typed",
        choices=[17, 41, 86] if choose else None,
        context=ChallengeContext(
            service="AECE CFA JASMIN"
            if choose
            else "AECE CFA JASMIN – réinitialisation du mot de passe",
            client_ip="203.0.113.42",
            location="Lyon, France",
            browser="Firefox 140 (Linux)",
            time=clock().isoformat(timespec="seconds"),
        ),
    )
    inbox = ChallengeInbox(was_answered=lambda *_key: False)
    changes = inbox.ingest(account, [token], now=clock())
    push = gui.app.push
    assert push is not None
    push.handle(ChallengeArrived(changes.added[0]))
    clock.advance(23)
    push.tick()


def shoot_push(
    gui: GuiHarness,
    realm: Realm,
    jasmin: Account,
    clock: FixedClock,
    *,
    suffix: str,
    names: set[str],
) -> None:
    if "push" in names:
        arrive(gui, realm, jasmin, clock)
        gui.tap_id("yes_typed")  # « OUI » with no number: explained below the controls
        gui.settle()
        shoot(gui, f"push-error-{suffix}")
        gui.type_into(gui.widget("number", "push"), "41")
        shoot(gui, f"push-{suffix}")
        gui.tap_id("no_typed")
        shoot(gui, f"push-deny-{suffix}")
        gui.tap_id("deny_back")
        gui.settle()
    if "push-choose" in names:
        gui.app.push.stop()  # type: ignore[union-attr]  # the first one is withdrawn
        gui.settle()
        arrive(gui, realm, jasmin, clock, choose=True)
        shoot(gui, f"push-choose-{suffix}")


def run(size: tuple[int, int], suffix: str, names: set[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vault_path = Path(tmp) / "vault.bin"
        clock = FixedClock(NOW)
        gui = start_app(
            vault_path,
            size,
            clock=clock,
            open_url=lambda _url: True,
            # The camera sees a poster's QR code (a web address, not an account).
            camera_provider=image_camera([scene("https://www.uphf.fr/", rotate=12)]),
        )
        try:
            if "lock" in names:
                shoot(gui, f"lock-{suffix}")
            realm = Realm()
            jasmin = demo_vault(vault_path, realm)
            gui.app.presenters["lock"].start()
            if "unlock" in names:
                shoot(gui, f"unlock-{suffix}")
            unlock(gui)
            if "accounts" in names:
                shoot(gui, f"accounts-{suffix}")
            if "profile" in names:
                row = next(r for r in gui.screen().row_views() if r.account_id == "acct_jasmin")
                gui.tap(row)
                shoot(gui, f"profile-{suffix}")
                gui.tap_id("back_button")
            if "add" in names:
                gui.tap_id("add_button")
                gui.tap_id("tab_code")
                shoot(gui, f"add-{suffix}")
                if "scan" in names:
                    gui.tap_id("scan")
                    screen = gui.screen("scan")
                    gui.wait(lambda: screen.error_code == "qr_not_an_account", what="the code")
                    shoot(gui, f"scan-{suffix}")
                    gui.tap_id("back_button")
                    gui.settle()
                gui.tap_id("back_button")
            shoot_push(gui, realm, jasmin, clock, suffix=suffix, names=names)
            if "settings" in names:
                gui.app.push.stop()  # type: ignore[union-attr]
                gui.settle()
                gui.tap_id("settings_button")
                shoot(gui, f"settings-{suffix}")
            if "english" in names:
                gui.tap_id("lang_en")
                gui.settle()
                shoot(gui, f"settings-en-{suffix}")
                gui.tap_id("back_button")
                shoot(gui, f"accounts-en-{suffix}")
        finally:
            gui.close()


def run_offline(size: tuple[int, int], suffix: str) -> None:
    """The real watch against an IdP that does not answer: the status line, codes still there."""
    with tempfile.TemporaryDirectory() as tmp:
        vault_path = Path(tmp) / "vault.bin"
        demo_vault(vault_path, Realm(url=realm_url(CLOSED_PORT_URL, "jasmin")))
        gui = start_app(vault_path, size, watch=True, open_url=lambda _url: True)
        try:
            unlock(gui)
            screen = gui.screen("accounts")
            gui.wait(lambda: screen.status_text.startswith("Hors ligne"), what="offline status")
            shoot(gui, f"accounts-offline-{suffix}")
        finally:
            gui.close()


def run_no_camera(size: tuple[int, int], suffix: str) -> None:
    """« Scanner un code QR » where no camera opens: the message and the way out."""
    with tempfile.TemporaryDirectory() as tmp:
        vault_path = Path(tmp) / "vault.bin"
        demo_vault(vault_path, Realm())
        gui = start_app(vault_path, size, camera_provider=BrokenCamera)
        try:
            unlock(gui)
            gui.tap_id("add_button")
            gui.tap_id("scan")
            shoot(gui, f"scan-no-camera-{suffix}")
        finally:
            gui.close()


def run_lock_and_transfer(size: tuple[int, int], suffix: str) -> None:
    """The settings' lower part (automatic lock, import and export), an encrypted backup
    imported (its password asked), and the export screen."""
    from authenticator_app.core.transfer import export_backup

    with tempfile.TemporaryDirectory() as tmp:
        vault_path = Path(tmp) / "vault.bin"
        demo_vault(vault_path, Realm())
        backup = Path(tmp) / "sauvegarde-ancien-telephone.json"
        others = [
            Account(
                id=f"acct_{issuer.lower()}",
                issuer=issuer,
                name=name,
                added_at=NOW,
                otp=OtpParameters(secret=secret),
            )
            for issuer, name, secret in (
                ("Mastodon", "@camille@piaille.fr", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"),
                ("Nextcloud", "camille", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
                ("GitHub", "camille-martin", "JBSWY3DPEHPK3PXPJBSWY3DP"),  # already held
            )
        ]
        backup.write_bytes(export_backup(others, "mot de passe de test", kdf=FAST_KDF).data)
        gui = start_app(vault_path, size, export_directory=Path("/home/camille"))
        try:
            unlock(gui)
            gui.tap_id("settings_button")
            gui.settle()
            gui.bring_into_view(gui.widget("import_accounts"))
            shoot(gui, f"settings-lock-{suffix}")
            gui.tap_id("import_accounts")
            gui.settle()
            gui.type_into(gui.widget("source"), str(backup))
            gui.tap_id("import_button")
            gui.settle()
            gui.type_into(gui.widget("password"), "mot de passe de test")
            gui.tap_id("import_button")
            gui.settle()
            shoot(gui, f"import-{suffix}")
            gui.tap_id("back_button")
            gui.settle()
            gui.tap_id("export_accounts")
            gui.settle()
            shoot(gui, f"export-{suffix}")
        finally:
            gui.close()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    every = {
        "lock",
        "unlock",
        "accounts",
        "profile",
        "add",
        "scan",
        "push",
        "push-choose",
        "settings",
    }
    run(PHONE, "phone", every | {"english"})
    run(DESKTOP, "desktop", every)
    run_offline(PHONE, "phone")
    run_no_camera(PHONE, "phone")
    run_lock_and_transfer(PHONE, "phone")
    run_lock_and_transfer(DESKTOP, "desktop")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
