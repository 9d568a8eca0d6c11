"""SQLite as a server database: WAL, ``synchronous=NORMAL``, and writers that wait cooperatively.

- WAL lets readers run while one writer writes. ``synchronous=NORMAL`` syncs the WAL at each
  checkpoint instead of each commit: a power loss (not a process crash) may lose the last
  transactions committed before it, never corrupt the database. The trade-off, written in
  docs/decisions.md, suits the embedded default; the scaled layout runs on PostgreSQL.
- ``SELECT ... FOR UPDATE`` (a read that decides a write, e.g. the push cap) takes that lock
  as well: SQLite has no row locks, and its compiler drops the clause.
- SQLite's busy handler sleeps inside C: under gevent it would freeze every greenlet of the
  worker while one request waits for the write lock. So writers of this process queue on a
  process-wide lock (cooperative once gevent patched ``threading``) taken just before a
  connection's first write and released at its commit or rollback: they never meet SQLite's
  busy handler among themselves. The lock is given back by the connection itself, after its
  commit or rollback (:class:`LockingConnection`).
- Writers of *other processes* (the workers of ``idp serve --workers N``, an ``idp`` command
  run beside the server) queue on a lock file beside the database (``<file>-writers.lock``):
  the first writer of a process takes it with a non-blocking ``flock``, retried with short
  sleeps (cooperative under gevent), and the last one gives it back after its commit or
  rollback. So processes never meet SQLite's busy handler either. Waiting longer than the
  connection's timeout (``SQLITE_BUSY_TIMEOUT_MS``) raises SQLAlchemy's ``OperationalError``
  ("database is locked"): the request gets a 503, not a frozen worker. The kernel drops a
  dead process's lock with its file descriptor, which is opened per process (never inherited
  across ``fork``).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from contextlib import suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

__all__ = ["WRITE_LOCK", "LockingConnection", "ProcessWriters", "engine_options", "tune_sqlite"]

# Reentrant: a request that writes through a second connection does not wait for itself.
WRITE_LOCK = threading.RLock()
_READS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")


_FIRST_WAIT = 0.0002
_LONGEST_WAIT = 0.005


class ProcessWriters:
    """One database file's writer lock across processes (``flock`` on ``<file>-writers.lock``).

    Held by this process while any of its connections holds :data:`WRITE_LOCK` for that file
    (``holds`` counts them: the lock is reentrant); every change happens under WRITE_LOCK.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.holds = 0
        self._fd: int | None = None
        self._pid = 0

    def take(self, timeout: float) -> None:
        if self.holds == 0:
            self._lock(timeout)
        self.holds += 1

    def give_back(self) -> None:
        self.holds -= 1
        if self.holds == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _lock(self, timeout: float) -> None:
        fd = self._file()
        deadline = time.monotonic() + timeout
        wait = _FIRST_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError(
                        "(waiting for another process's write)",
                        None,
                        sqlite3.OperationalError("database is locked"),
                    ) from None
                time.sleep(wait)  # cooperative once gevent patched ``time``
                wait = min(wait * 2, _LONGEST_WAIT)

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd


_WRITERS: dict[str, ProcessWriters] = {}


def _writers_of(database: object) -> ProcessWriters | None:
    """The writer lock of a database file (None: in memory, where no other process writes)."""
    name = os.fsdecode(database) if isinstance(database, str | bytes | os.PathLike) else ""
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    path = os.path.abspath(name) + "-writers.lock"
    found = _WRITERS.get(path)
    if found is None:  # no switch can happen in between: this runs without I/O
        found = _WRITERS[path] = ProcessWriters(path)
    return found


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that gives the write locks back *after* its commit or rollback
    has happened (SQLAlchemy's commit event fires before it: another writer could then read
    the data as it was before this transaction)."""

    holds_write_lock = False

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._writers = _writers_of(database)
        timeout = kwargs.get("timeout", args[0] if args else 5.0)
        self._wait_seconds = float(timeout)

    def take_write_lock(self) -> None:
        if self.holds_write_lock:
            return
        WRITE_LOCK.acquire()
        if self._writers is not None:
            try:
                self._writers.take(self._wait_seconds)
            except BaseException:
                WRITE_LOCK.release()
                raise
        self.holds_write_lock = True

    def _give_back(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            # RuntimeError: released from another thread than its holder (pool clean-up).
            with suppress(RuntimeError):
                if self._writers is not None:
                    self._writers.give_back()
                WRITE_LOCK.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


def engine_options(options: dict[str, Any], *, busy_timeout_ms: int) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` with the locking connection class for SQLite; the busy
    timeout bounds both SQLite's own wait and the wait for another process's writer."""
    connect_args = {
        **options.get("connect_args", {}),
        "factory": LockingConnection,
        "timeout": busy_timeout_ms / 1000,
    }
    return {**options, "connect_args": connect_args}


def tune_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        dbapi = conn.connection.dbapi_connection
        if not isinstance(dbapi, LockingConnection) or dbapi.holds_write_lock:
            return
        if statement.lstrip()[:7].upper().startswith(_READS) and not _locks_rows(context):
            return
        dbapi.take_write_lock()

    # A connection returned to the pool mid-transaction is rolled back by the pool (which
    # gives the lock back through rollback()).


def _locks_rows(context: Any) -> bool:
    """A ``SELECT ... FOR UPDATE`` (SQLite's compiler drops the clause): it reads to decide a
    write, so it takes the write lock too, as PostgreSQL takes the row lock."""
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    return getattr(statement, "_for_update_arg", None) is not None
