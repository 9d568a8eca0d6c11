"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

import pytest

FIXED_NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="engine under the IdP tests (tests/idp): a SQLite file per test (default), or a "
        "throw-away PostgreSQL with one database per test, cloned from a migrated template.",
    )


@pytest.fixture
def fixed_now() -> datetime:
    return FIXED_NOW


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def _no_idp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never inherit the developer's IDP_* settings."""
    for key in list(os.environ):
        if key.startswith("IDP_") and key not in {"IDP_CHROMIUM", "IDP_SCREENSHOT_DIR"}:
            monkeypatch.delenv(key, raising=False)
