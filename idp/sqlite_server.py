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
  commit or rollback (:class:`LockingConnection`). The busy timeout stays short; it covers other
  processes (an ``idp`` command run beside the server), and when it runs out the request gets
  a 503, not a frozen worker.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

__all__ = ["WRITE_LOCK", "LockingConnection", "engine_options", "tune_sqlite"]

# Reentrant: a request that writes through a second connection does not wait for itself.
WRITE_LOCK = threading.RLock()
_READS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that gives the process write lock back *after* its commit or
    rollback has happened (SQLAlchemy's commit event fires before it: another writer could
    then read the data as it was before this transaction)."""

    holds_write_lock = False

    def take_write_lock(self) -> None:
        if not self.holds_write_lock:
            WRITE_LOCK.acquire()
            self.holds_write_lock = True

    def _give_back(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            # RuntimeError: released from another thread than its holder (pool clean-up).
            with suppress(RuntimeError):
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


def engine_options(options: dict[str, Any]) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` with the locking connection class for SQLite."""
    connect_args = {**options.get("connect_args", {}), "factory": LockingConnection}
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
