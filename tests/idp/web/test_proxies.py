"""X-Forwarded-* is honoured from exactly IDP_PROXY_COUNT proxies, and forged otherwise."""

from __future__ import annotations

import pytest
from flask import Flask

from idp import create_app
from idp.config import ConfigError
from tests.idp.conftest import make_config


def _ip_seen(app: Flask, forwarded: str) -> str:
    @app.get("/_ip")
    def _ip() -> str:
        from flask import request

        return str(request.remote_addr)

    resp = app.test_client().get(
        "/_ip", headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    return resp.get_data(as_text=True)


def test_forwarded_for_is_ignored_without_trusted_proxies(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_config(tmp_path / "idp.sqlite3"))
    assert _ip_seen(app, "203.0.113.7") == "10.0.0.9"  # a client cannot forge its address


def test_one_trusted_proxy_gives_the_browsers_address(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_config(tmp_path / "idp.sqlite3", PROXY_COUNT=1))
    # The proxy appends the address it saw; anything before it was sent by the client.
    assert _ip_seen(app, "198.51.100.1, 203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize("value", ["-1", "six", "9"])
def test_a_wrong_proxy_count_is_refused(tmp_path, value: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="IDP_PROXY_COUNT"):
        create_app(make_config(tmp_path / "idp.sqlite3", PROXY_COUNT=value))
