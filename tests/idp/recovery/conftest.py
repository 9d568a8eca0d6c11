"""Recovery fixtures: test mode (fixed captcha answer) and an enrolled device."""

from __future__ import annotations

from typing import Any

import pytest

from tests.idp.device_api.conftest import device, make_uri  # noqa: F401 - re-exported fixtures

CAPTCHA = "AB3CD"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True, "TEST_CAPTCHA_ANSWER": CAPTCHA}
