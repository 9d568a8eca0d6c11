"""GUI tests: the real app in a real Kivy window, in this process (Xvfb when headless).

Kivy is configured before its first import (no argument parsing, no console log, a private
``KIVY_HOME``); without a display every test here is skipped.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

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
