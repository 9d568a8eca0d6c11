"""A real privacyIDEA 3.14 for the tests of this folder (one server for the session: starting
it costs 15-60 s on a busy machine; each test uses its own users or tokens)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.privacyidea import PrivacyIdeaServer, privacyidea_server, require_privacyidea


@pytest.fixture(scope="session")
def privacyidea() -> Iterator[PrivacyIdeaServer]:
    require_privacyidea()
    with privacyidea_server(fast_pin_hash=True) as server:
        server.create_realm(["alice", "bob", "carol", "dave", "erin", "frank", "grace"])
        yield server
