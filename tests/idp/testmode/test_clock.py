"""POST /_dev/clock moves the server's clock both ways; the offset is shared (DESIGN.md §4)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp import create_app
from idp.testmode.clock import (
    MAX_OFFSET_SECONDS,
    ClockOutOfRange,
    LocalOffsetStore,
    RedisOffsetStore,
    SharedClock,
)
from tests.conftest import FIXED_NOW
from tests.idp.conftest import make_config
from tests.support.ticks import Ticks


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True}


def _move(client: FlaskClient, body: Any) -> Any:
    return client.post("/_dev/clock", json=body)


def test_the_forward_contract_still_holds(client: FlaskClient) -> None:
    resp = _move(client, {"seconds": 3600})
    assert resp.status_code == 200
    assert datetime.fromisoformat(resp.json["now"]) == FIXED_NOW + timedelta(hours=1)
    assert resp.json["offset_seconds"] == 3600


def test_moves_back_and_resets(client: FlaskClient) -> None:
    _move(client, {"seconds": 600})
    resp = _move(client, {"seconds": -900})
    assert resp.status_code == 200
    assert datetime.fromisoformat(resp.json["now"]) == FIXED_NOW - timedelta(seconds=300)
    assert client.get("/_dev/clock").json["offset_seconds"] == -300
    resp = _move(client, {"reset": True})
    assert resp.status_code == 200
    assert resp.json == {"now": FIXED_NOW.isoformat(), "offset_seconds": 0}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (None, "clock_body_invalid"),
        ([], "clock_body_invalid"),
        ({}, "clock_body_invalid"),
        ({"seconds": 5, "reset": True}, "clock_body_invalid"),
        ({"minutes": 5}, "clock_body_invalid"),
        ({"reset": False}, "reset_invalid"),
        ({"reset": "yes"}, "reset_invalid"),
        ({"seconds": 0}, "seconds_invalid"),
        ({"seconds": 1.5}, "seconds_invalid"),
        ({"seconds": "60"}, "seconds_invalid"),
        ({"seconds": True}, "seconds_invalid"),
        ({"seconds": MAX_OFFSET_SECONDS + 1}, "seconds_invalid"),
        ({"seconds": -MAX_OFFSET_SECONDS - 1}, "seconds_invalid"),
    ],
)
def test_bad_requests_have_a_stable_code_and_change_nothing(
    client: FlaskClient, body: Any, code: str
) -> None:
    resp = _move(client, body) if body is not None else client.post("/_dev/clock", data="{x")
    assert resp.status_code == 400
    assert resp.json["error"] == code
    assert resp.json["message"]
    assert client.get("/_dev/clock").json["offset_seconds"] == 0


def _shared_app(tmp_path: Any, database_url: str, **extra: Any) -> Flask:
    config = make_config(tmp_path / "idp.sqlite3", database_url=database_url, TEST_MODE=True)
    del config["CLOCK"]
    return create_app({**config, **extra})


@pytest.fixture
def shared_app(tmp_path: Any, database_url: str) -> Iterator[Flask]:
    app = _shared_app(tmp_path, database_url)
    yield app
    with app.app_context():
        from idp.extensions import db

        db.engine.dispose()


def test_test_mode_runs_on_the_shared_clock(shared_app: Flask) -> None:
    clock = shared_app.extensions["idp.clock"]
    assert isinstance(clock, SharedClock)
    client = shared_app.test_client()
    before = datetime.now(UTC)
    moved = datetime.fromisoformat(_move(client, {"seconds": -86400}).json["now"])
    assert before - timedelta(days=1) <= moved <= datetime.now(UTC) - timedelta(days=1)
    resp = _move(client, {"seconds": -MAX_OFFSET_SECONDS})
    assert resp.status_code == 400
    assert resp.json["error"] == "clock_out_of_range"
    assert client.get("/_dev/clock").json["offset_seconds"] == -86400


def test_concurrent_moves_add_up() -> None:
    clock = SharedClock(LocalOffsetStore())
    start = threading.Barrier(16)

    def move() -> None:
        start.wait()
        for _ in range(50):
            clock.shift(1)

    threads = [threading.Thread(target=move) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.offset_seconds() == 800


def test_the_cache_reads_the_store_once_per_ttl_and_drops_on_control() -> None:
    reads: list[int] = []

    class CountingStore(LocalOffsetStore):
        def read(self) -> int:
            reads.append(1)
            return super().read()

    store, ticks = CountingStore(), Ticks()
    here = SharedClock(store, ttl=1.0, monotonic=ticks)
    other = SharedClock(store, ttl=1.0, monotonic=ticks)
    for _ in range(100):
        here.now()
    assert len(reads) == 1
    other.shift(60)  # another process moved the clock
    assert here.offset_seconds() == 0  # cached
    here.on_control("realm-changed:jasmin")
    assert here.offset_seconds() == 0
    here.on_control("clock-changed")
    assert here.offset_seconds() == 60
    other.shift(60)
    ticks.now = 1.5  # the cache's bound when no control message arrives
    assert here.offset_seconds() == 120


def test_an_unreadable_store_keeps_the_last_offset_seen() -> None:
    """Redis restarting must not fail requests through the clock: the last offset holds."""

    class FlakyStore(LocalOffsetStore):
        down = False

        def read(self) -> int:
            if self.down:
                raise ConnectionError("Redis is restarting")
            return super().read()

    store, ticks = FlakyStore(), Ticks()
    clock = SharedClock(store, ttl=1.0, monotonic=ticks)
    clock.shift(-90)
    ticks.now = 2.0
    assert clock.offset_seconds() == -90  # read from the store
    store.down = True
    ticks.now = 4.0
    assert clock.offset_seconds() == -90  # the store failed: the last offset, not an error
    store.down = False
    store.add(30)
    ticks.now = 6.0
    assert clock.offset_seconds() == -60  # read again once the store answers


def test_redis_store_is_bounded_and_atomic() -> None:
    from idp.scaleout import redis_client
    from tests.support.redis import redis_server

    with redis_server() as url:
        store = RedisOffsetStore(redis_client(url))
        assert store.read() == 0
        assert store.add(-30) == -30
        with pytest.raises(ClockOutOfRange):
            store.add(-MAX_OFFSET_SECONDS)
        assert store.read() == -30
        store.clear()
        assert store.read() == 0


def test_two_apps_on_one_redis_share_the_offset(tmp_path: Any, database_url: str) -> None:
    """Two processes' worth of apps (each its own cache and broker) on one Redis."""
    from tests.support.redis import redis_server

    with redis_server() as url:
        a = _shared_app(tmp_path, database_url, REDIS_URL=url)
        b = _shared_app(tmp_path, database_url, REDIS_URL=url)
        assert b.test_client().get("/_dev/clock").json["offset_seconds"] == 0
        assert _move(a.test_client(), {"seconds": -7200}).json["offset_seconds"] == -7200
        b.extensions["idp.clock"].on_control("clock-changed")  # as the control channel does
        assert b.test_client().get("/_dev/clock").json["offset_seconds"] == -7200
        _move(b.test_client(), {"reset": True})
        a.extensions["idp.clock"].on_control("clock-changed")
        assert a.test_client().get("/_dev/clock").json["offset_seconds"] == 0
