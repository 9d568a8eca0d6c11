"""Layered configuration and its fail-fast checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from idp import create_app
from idp.config import DEV_SECRET, ConfigError, is_loopback


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.1", "192.168.1.2", "example.org", ""])  # noqa: S104
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback(host)


def _base(tmp_path: Path) -> dict[str, object]:
    return {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}


def test_development_secret_is_refused_outside_test_mode(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="IDP_SECRET_KEY"):
        create_app({**_base(tmp_path), "SECRET_KEY": DEV_SECRET})


def test_short_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="32"):
        create_app({**_base(tmp_path), "SECRET_KEY": "short"})


def test_test_mode_refused_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="only allowed on loopback"):
        create_app({**_base(tmp_path), "TEST_MODE": "1", "BIND_HOST": "0.0.0.0"})  # noqa: S104


def test_environment_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDP_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("IDP_BASE_URL", "https://idp.example.org/")
    app = create_app(_base(tmp_path))
    assert app.config["SECRET_KEY"] == "k" * 40
    assert app.config["BASE_URL"] == "https://idp.example.org"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_test_routes_exist_only_in_test_mode(tmp_path: Path) -> None:
    prod = create_app({**_base(tmp_path), "SECRET_KEY": "k" * 40})
    assert "testmode.mail" not in prod.view_functions
    test = create_app({**_base(tmp_path), "TEST_MODE": "1"})
    assert "testmode.mail" in test.view_functions


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TEST_MODE": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'idp.sqlite3'}"


def test_postgresql_url_uses_psycopg3(tmp_path: Path) -> None:
    app = create_app(
        {**_base(tmp_path), "TEST_MODE": True, "DATABASE_URL": "postgresql://u:p@127.0.0.1/idp"}
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_readable_outbox_only_on_loopback(tmp_path: Path) -> None:
    demo = create_app({**_base(tmp_path), "SECRET_KEY": "k" * 40, "MAIL_OUTBOX_VIEW": True})
    assert any(r.rule == "/_dev/mail/view" for r in demo.url_map.iter_rules())
    exposed = create_app(
        {
            **_base(tmp_path),
            "SECRET_KEY": "k" * 40,
            "MAIL_OUTBOX_VIEW": True,
            "BIND_HOST": "0.0.0.0",  # noqa: S104
        }
    )
    assert not any(r.rule.startswith("/_dev/") for r in exposed.url_map.iter_rules())
    prod = create_app({**_base(tmp_path), "SECRET_KEY": "k" * 40})
    assert not any(r.rule.startswith("/_dev/") for r in prod.url_map.iter_rules())
