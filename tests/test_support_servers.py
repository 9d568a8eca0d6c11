"""The throw-away servers of ``tests/support`` (the scale-out tests stand on them)."""

from __future__ import annotations

import psycopg
import pytest
import redis as redis_client

from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer


def test_redis_restarts_empty_on_the_same_port() -> None:
    with RedisServer() as server:
        assert server.url == f"redis://127.0.0.1:{server.port}/0"
        client = redis_client.Redis.from_url(server.url, socket_timeout=2)
        client.set("k", "v")
        assert client.get("k") == b"v"
        server.stop()
        with pytest.raises(redis_client.ConnectionError):
            client.get("k")
        server.start()
        assert client.get("k") is None  # no persistence: a restart starts empty
        client.close()
        root = server.root
    assert not root.exists()
    assert not server.running


def test_postgres_restarts_with_its_data_on_the_same_port() -> None:
    with PostgresServer() as server:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (x int)")
            conn.execute("INSERT INTO t VALUES (7)")
        held = psycopg.connect(server.url, autocommit=True)
        server.stop()
        with pytest.raises(psycopg.OperationalError):
            held.execute("SELECT 1")
        held.close()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.url, connect_timeout=2)
        server.start()
        with psycopg.connect(server.url) as conn:
            assert conn.execute("SELECT x FROM t").fetchone() == (7,)
        copy = server.create_database("copy", template="idp")
        with psycopg.connect(copy) as conn:
            assert conn.execute("SELECT x FROM t").fetchone() == (7,)
        server.drop_database("copy")
        root = server.root
    assert not root.exists()
