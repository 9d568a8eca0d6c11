"""Answer real challenges from a real ``idp serve`` in the app window (seed 000, steps 07-08).

The app enrolls from the link ``idp device enroll-uri`` prints (pasted in the Add screen),
watches the IdP's SSE stream, and shows the prompt with the challenge's context; the number
typed in the window is signed and sent, and the IdP records the approval. Then "NON, ce n'est
pas moi" -> "Signaler" is recorded as a report. Real touches, at phone and desktop sizes (one
demo user each, so the IdP's per-user rate limit is not in the way).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.gui.conftest import DESKTOP, PHONE
from tests.authenticator_app.gui.test_accounts_gui import unlock
from tests.e2e.conftest import LiveIdp, start_idp, stop_idp

pytestmark = [pytest.mark.gui, pytest.mark.slow]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture(scope="module")
def live_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIdp]:
    live = start_idp(tmp_path_factory.mktemp("idp"))
    yield live
    stop_idp(live)


def _json(live: LiveIdp, path: str, *, post: bool = False) -> Any:
    request = urllib.request.Request(  # noqa: S310 - a loopback test server
        live.url(path),
        data=b"{}" if post else None,
        headers={"Content-Type": "application/json", "User-Agent": FIREFOX},
        method="POST" if post else "GET",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def trigger(live: LiveIdp, user: str) -> dict[str, Any]:
    """What a browser sign-in does: a challenge for every device of ``user``."""
    result: dict[str, Any] = _json(live, f"/_dev/realms/jasmin/users/{user}/challenges", post=True)
    return result


def status(live: LiveIdp, challenge_id: str) -> str:
    return str(_json(live, f"/_dev/challenges/{challenge_id}")["status"])


def context(gui: Any) -> dict[str, str]:
    rows = gui.widget("context", "push").children
    return {row.label: row.value for row in rows}


@pytest.mark.parametrize(
    ("size", "user"),
    [
        pytest.param(PHONE, "camille.martin", id="phone"),
        pytest.param(DESKTOP, "theo.lefebvre", id="desktop"),
    ],
)
def test_answer_real_challenges(
    live_idp: LiveIdp, tmp_path: Path, gui_factory: Any, size: Any, user: str
) -> None:
    from authenticator_app.app import AppServices

    vault_path = tmp_path / "vault.bin"
    Vault.create(vault_path, PIN, kdf=FAST_KDF)
    notified: list[tuple[str, str]] = []
    gui = gui_factory(
        AppServices(
            vault_path=vault_path,
            kdf=FAST_KDF,
            notify=lambda title, text: notified.append((title, text)),
            device_name=f"GUI test ({user})",
        ),
        size,
    )
    unlock(gui)

    # Enroll: paste the link the IdP prints.
    uri = live_idp.cli("device", "enroll-uri", "jasmin", user).stdout.strip()
    assert uri.startswith("otpauth://idp-push/")
    gui.tap_id("add_first")
    gui.settle()
    gui.type_into(gui.widget("link"), uri)
    gui.tap_id("add_link")
    gui.settle()
    assert gui.current == "accounts", gui.screen("add").error_code
    (account_row,) = gui.screen().row_views()
    assert account_row.name == user
    assert account_row.push
    assert account_row.code
    gui.wait(
        lambda: gui.screen("accounts").status_text == "Notifications push actives.",
        what="the SSE stream to connect",
    )

    # Steps 07-08: the number shown in the browser, typed in the app, then "OUI".
    first = trigger(live_idp, user)
    gui.wait(lambda: gui.current == "push", timeout=20, what="the prompt")
    gui.settle()
    shown = context(gui)
    assert shown["Compte"] == f"AECE CFA JASMIN:{user}" or shown["Compte"].endswith(user)
    assert shown["Service"].endswith("– test")
    assert shown["Adresse IP"] == "127.0.0.1"
    assert "Firefox" in shown["Navigateur"]
    assert shown["Heure"]
    assert gui.screen("push").title == "Approuver la connexion ?"
    assert notified
    assert notified[-1][0] == "Approuver la connexion ?"
    gui.type_into(gui.widget("number", "push"), f"{first['number']:02d}")
    gui.tap_id("yes_typed")
    gui.wait(lambda: gui.current == "accounts", timeout=20, what="the prompt to close")
    gui.settle()
    assert status(live_idp, first["challenge_id"]) == "approved"
    assert gui.app.root_widget.snackbar.text == "Demande approuvée."

    # Paused (a phone puts the app in the background): the app locks, its stream closes with
    # the vault key; a challenge made meanwhile waits at the IdP, behind the PIN, and is
    # caught up from `pending` once the PIN opens the vault again.
    watch = gui.app.push
    gui.app.on_pause()
    gui.settle()
    assert gui.current == "lock"
    assert gui.app.push is None
    gui.wait(lambda: not watch.watching, what="the watch to stop")
    resumed = trigger(live_idp, user)
    gui.frames(10)
    gui.app.on_resume()
    gui.settle()
    assert gui.current == "lock"  # no prompt behind the lock
    assert status(live_idp, resumed["challenge_id"]) == "pending"
    unlock(gui)
    gui.wait(lambda: gui.current == "push", timeout=20, what="the caught-up prompt")
    gui.settle()
    assert gui.screen("push").challenge_id == resumed["challenge_id"]
    gui.type_into(gui.widget("number", "push"), f"{resumed['number']:02d}")
    gui.tap_id("yes_typed")
    gui.wait(lambda: gui.current == "accounts", timeout=20, what="the prompt to close")
    assert status(live_idp, resumed["challenge_id"]) == "approved"

    # "NON, ce n'est pas moi" -> "Signaler".
    second = trigger(live_idp, user)
    gui.wait(lambda: gui.current == "push", timeout=20, what="the second prompt")
    gui.tap_id("no_typed")
    gui.tap_id("report")
    gui.wait(lambda: gui.current == "accounts", timeout=20, what="the prompt to close")
    gui.settle()
    assert status(live_idp, second["challenge_id"]) == "reported"
