"""GUI tests: the real app in a real Kivy window, in this process (Xvfb when headless).

Kivy is configured before its first import (no argument parsing, no console log, a private
``KIVY_HOME``); without a display every test here is skipped.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
HAS_DISPLAY = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
PHONE = (360, 640)
DESKTOP = (1280, 720)
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "gui" in item.keywords and not HAS_DISPLAY:
            item.add_marker(pytest.mark.skip(reason="no display (run under xvfb-run)"))


@pytest.fixture
def gui_factory() -> Iterator[Any]:
    """``gui_factory(services, size)`` starts the app; every one started is closed after."""
    from tests.authenticator_app.gui.harness import GuiHarness

    started: list[GuiHarness] = []

    def start(services: Any, size: tuple[int, int]) -> GuiHarness:
        harness = GuiHarness.start(services, size)
        started.append(harness)
        return harness

    yield start
    for harness in started:
        harness.close()


@pytest.fixture
def vault_file(tmp_path: Path) -> Path:
    """A vault (PIN ``PIN``) with a TOTP account and a push-only account."""
    from authenticator_app.core.vault import Vault
    from tests.authenticator_app.conftest import FAST_KDF, PIN
    from tests.authenticator_app.factories import Realm, push_account, totp_account

    path = tmp_path / "vault.bin"
    vault = Vault.create(path, PIN, kdf=FAST_KDF)
    vault.add_account(totp_account(NOW))
    vault.add_account(push_account(Realm(), NOW, account_id="acct_push_only"))
    return path
