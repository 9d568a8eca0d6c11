"""SQLite's writers across processes queue on the lock file, never in SQLite's busy handler."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from idp.sqlite_server import WRITE_LOCK, LockingConnection, ProcessWriters, _writers_of
from tests.idp.conftest import login

# Another process: takes the writer lock, writes, says "writing", holds for HOLD seconds
# (or until killed), then commits.
_WRITER = textwrap.dedent(
    """
    import sqlite3, sys, time
    from idp.sqlite_server import LockingConnection
    conn = sqlite3.connect(sys.argv[1], factory=LockingConnection, timeout=5, isolation_level=None)
    conn.take_write_lock()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t(who) VALUES ('other')")
    print("writing", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
    conn.close()
    """
)


def _add_table(path: Path) -> None:
    """The table the writers write to (WAL, as the IdP's databases)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT)")
    conn.commit()
    conn.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "w.sqlite3"
    _add_table(path)
    return path


def _start_writer(database: Path, hold: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(database), str(hold)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "writing"
    return process


Writer = Callable[[Path, float], subprocess.Popen[str]]


@pytest.fixture
def other_writer() -> Iterator[Writer]:
    """Start another process that holds a write on a database for some seconds (killed at
    the end of the test)."""
    started: list[subprocess.Popen[str]] = []

    def start(database: Path, hold: float) -> subprocess.Popen[str]:
        started.append(_start_writer(database, hold))
        return started[-1]

    yield start
    for process in started:
        process.kill()
        process.wait()


def _connect(database: Path, timeout: float) -> LockingConnection:
    conn = sqlite3.connect(
        database, factory=LockingConnection, timeout=timeout, isolation_level=None
    )
    assert isinstance(conn, LockingConnection)
    conn.execute("PRAGMA busy_timeout=0")  # SQLite's own wait would fail at once
    return conn


def _write(conn: LockingConnection) -> None:
    conn.take_write_lock()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t(who) VALUES ('me')")
    conn.commit()


def _seconds(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def test_a_writer_waits_for_another_processs_write_then_writes(
    database: Path, other_writer: Writer
) -> None:
    process = other_writer(database, 0.6)
    conn = _connect(database, timeout=5)
    # With busy_timeout=0, meeting SQLite's lock would raise "database is locked".
    assert 0.3 < _seconds(lambda: _write(conn)) < 4
    assert process.wait(timeout=10) == 0
    rows = [who for (who,) in conn.execute("SELECT who FROM t ORDER BY id")]
    assert rows == ["other", "me"]
    assert not conn.holds_write_lock
    conn.close()


def test_waiting_past_the_timeout_is_a_database_error_and_leaves_no_lock_held(
    database: Path, other_writer: Writer
) -> None:
    process = other_writer(database, 30)
    conn = _connect(database, timeout=0.3)

    def refused() -> None:
        with pytest.raises(OperationalError, match="database is locked"):
            conn.take_write_lock()

    assert 0.25 < _seconds(refused) < 3
    assert not conn.holds_write_lock
    # The process lock was given back: another thread of this process can take it at once.
    assert WRITE_LOCK.acquire(timeout=0)
    WRITE_LOCK.release()
    process.send_signal(signal.SIGKILL)  # a dead process's file lock goes with it
    process.wait(timeout=10)
    _write(conn)
    assert conn.execute("SELECT who FROM t").fetchall() == [("me",)]  # its insert never landed
    conn.close()


def test_the_lock_is_reentrant_within_the_process(database: Path) -> None:
    first, second = _connect(database, timeout=1), _connect(database, timeout=1)
    first.take_write_lock()
    second.take_write_lock()  # the same thread: no wait for itself
    writers = first._writers
    assert writers is not None
    assert writers is second._writers
    assert writers.holds == 2
    first.rollback()
    assert writers.holds == 1
    second.rollback()
    assert writers.holds == 0
    first.close()
    second.close()


def test_databases_in_memory_have_no_file_lock() -> None:
    assert _writers_of(":memory:") is None
    assert _writers_of("file:x?mode=memory&cache=shared") is None
    assert isinstance(_writers_of(str(Path("some.sqlite3").resolve())), ProcessWriters)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SQLITE_BUSY_TIMEOUT_MS": 300}


def test_a_page_answers_503_while_another_process_holds_the_write(
    client: FlaskClient, database_engine: str, other_writer: Writer
) -> None:
    if database_engine != "sqlite":
        pytest.skip("sqlite only: its writers' file lock")
    database = Path(client.application.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    _add_table(database)
    process = other_writer(database, 30)
    resp = login(client, "jasmin", "camille.martin", "not the password")  # audits: writes
    assert resp.status_code == 503
    assert resp.headers["Retry-After"]
    assert "Service momentanément indisponible" in resp.get_data(as_text=True)
    process.kill()
    process.wait()
    resp = login(client, "jasmin", "camille.martin", "not the password")
    assert resp.status_code == 200  # the wrong password's page, once the other process is gone
