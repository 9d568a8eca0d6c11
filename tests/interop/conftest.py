"""A real privacyIDEA 3.14 for the tests of this folder (one server per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.privacyidea import PrivacyIdeaServer, privacyidea_server, require_privacyidea


@pytest.fixture(scope="module")
def privacyidea() -> Iterator[PrivacyIdeaServer]:
    require_privacyidea()
    with privacyidea_server(fast_pin_hash=True) as server:
        server.create_realm(["alice", "bob", "carol"])
        yield server
