"""A privacyIDEA push token in the app window, against a real privacyIDEA 3.14.

The link privacyIDEA makes (``otpauth://pipush/...``) is pasted in the Add screen: the app makes
its RSA key and registers it. A login triggers a challenge with number matching; the app polls,
shows privacyIDEA's prompt with one button per option; a wrong option is refused by privacyIDEA
and the prompt stays; the right one is accepted (``polltransaction`` ACCEPT). Then "Ce n'est
pas moi" declines. Real touches, at phone and desktop sizes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.gui.conftest import DESKTOP, PHONE
from tests.authenticator_app.gui.test_accounts_gui import unlock
from tests.support.privacyidea import PrivacyIdeaServer, privacyidea_server, require_privacyidea

pytestmark = [pytest.mark.gui, pytest.mark.peer, pytest.mark.slow]


@pytest.fixture(scope="module")
def privacyidea() -> Iterator[PrivacyIdeaServer]:
    require_privacyidea()
    with privacyidea_server(fast_pin_hash=True) as server:
        server.create_realm(["camille", "theo"])
        server.client.set_push_policies(number_matching=True, options=3)
        yield server


def _trigger(pi: PrivacyIdeaServer, user: str) -> tuple[str, str]:
    body = pi.client.trigger_challenge(user)
    [entry] = body["detail"]["multi_challenge"]
    return str(body["detail"]["transaction_id"]), str(entry["presence_answer"])


def _status(pi: PrivacyIdeaServer, transaction_id: str) -> str:
    return str(pi.client.poll_transaction(transaction_id)["result"]["authentication"])


def _save(gui: Any, name: str) -> None:
    folder = os.environ.get("IDP_SCREENSHOT_DIR")
    if folder:
        gui.screenshot(Path(folder) / name)


@pytest.mark.parametrize(
    ("size", "user", "label"),
    [
        pytest.param(PHONE, "camille", "phone", id="phone"),
        pytest.param(DESKTOP, "theo", "desktop", id="desktop"),
    ],
)
def test_privacyidea_push_in_the_app(
    privacyidea: PrivacyIdeaServer,
    tmp_path: Path,
    gui_factory: Any,
    size: Any,
    user: str,
    label: str,
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
            pi_options={"interval": 0.3},
        ),
        size,
    )
    unlock(gui)
    enrollment = privacyidea.client.enroll_push(user)
    gui.tap_id("add_first")
    gui.settle()
    gui.type_into(gui.widget("link"), enrollment.uri)
    gui.tap_id("add_link")
    gui.wait(lambda: gui.current == "accounts", timeout=120, what="the enrollment")
    gui.settle()
    assert privacyidea.client.token_info(enrollment.serial)["rollout_state"] == "enrolled"
    (row,) = gui.screen().row_views()
    assert row.name == enrollment.serial

    transaction_id, right = _trigger(privacyidea, user)
    gui.wait(lambda: gui.current == "pipush", timeout=30, what="the privacyIDEA prompt")
    gui.settle()
    screen = gui.screen("pipush")
    assert right in screen.choices
    assert len(screen.choices) == 3
    assert gui.shows("Appuyez sur le choix affiché sur la page de connexion.")
    assert notified
    _save(gui, f"app-pipush-{label}.png")
    wrong = next(c for c in screen.choices if c != right)
    gui.tap(screen.ids[f"pi_choice_{screen.choices.index(wrong)}"])
    gui.wait(lambda: screen.error_code == "pi_answer_rejected", timeout=30, what="the refusal")
    assert gui.current == "pipush"
    assert _status(privacyidea, transaction_id) != "ACCEPT"
    gui.tap(screen.ids[f"pi_choice_{screen.choices.index(right)}"])
    gui.wait(lambda: gui.current == "accounts", timeout=30, what="the prompt to close")
    gui.settle()
    assert gui.app.root_widget.snackbar.text == "Demande approuvée."
    assert _status(privacyidea, transaction_id) == "ACCEPT"

    declined, _ = _trigger(privacyidea, user)
    gui.wait(lambda: gui.current == "pipush", timeout=30, what="the second prompt")
    gui.settle()
    gui.tap_id("pi_report")
    gui.wait(lambda: gui.current == "accounts", timeout=30, what="the prompt to close")
    assert _status(privacyidea, declined) == "DECLINED"
