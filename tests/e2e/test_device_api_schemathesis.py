"""schemathesis ``--checks all`` against a live ``idp serve``: the device API does what its
OpenAPI document says, with real device tokens (``tests/e2e/device_api_auth.py``).

Bounded: a few examples per operation and a time budget, well under two minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import start_idp, stop_idp
from tests.e2e.device_api_auth import STATE_ENV, enroll_device, write_state

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("device_api_schemathesis.toml")
SPARES = 4


def test_the_device_api_matches_its_openapi_document(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    live = start_idp(
        tmp_path_factory.mktemp("idp"),
        # Event streams end after a second so that each generated call returns.
        IDP_SSE_MAX_SECONDS="1",
        IDP_SSE_HEARTBEAT_SECONDS="1",
    )
    try:

        def enroll() -> dict[str, str]:
            uri = live.cli("device", "enroll-uri", "jasmin", "camille.martin").stdout.strip()
            return enroll_device(live.base_url, uri)

        state = Path(live.instance / "devices.json")
        write_state(state, enroll(), [enroll() for _ in range(SPARES)])
        env = {**os.environ, STATE_ENV: str(state), "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "--config-file",
                str(CONFIG),
                "--no-color",
                "run",
                live.url("/api/device/openapi.json"),
                "--checks",
                "all",
                "--max-examples",
                "15",
                "--max-time",
                "40",
                "--workers",
                "1",
                "--seed",
                "20261124",
            ],
            cwd=live.instance,  # its cache (.schemathesis/) stays out of the checkout
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-15000:] + result.stderr[-3000:]
    finally:
        stop_idp(live)
