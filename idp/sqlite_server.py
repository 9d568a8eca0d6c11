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
  busy handler among themselves. The busy timeout stays short; it only covers other
  processes (an ``idp`` command run beside the server), and when it runs out the request gets
  a 503, not a frozen worker.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

__all__ = ["WRITE_LOCK", "tune_sqlite"]

# Reentrant: a request that writes through a second connection does not wait for itself.
WRITE_LOCK = threading.RLock()
_HOLDS = "idp_write_lock"
_READS = ("SELECT", "PRAGMA", "WITH", "EXPLAIN")


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
        if conn.info.get(_HOLDS):
            return
        if statement.lstrip()[:7].upper().startswith(_READS) and not _locks_rows(context):
            return
        WRITE_LOCK.acquire()
        conn.info[_HOLDS] = True

    def _release(conn: Any, *_args: Any) -> None:
        _release_info(conn.info)

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    # A connection dropped or returned to the pool mid-transaction releases the lock too.
    event.listen(engine, "checkin", lambda dbapi_conn, record: _release_record(record))

    def _release_record(record: Any) -> None:
        _release_info(record.info)


def _locks_rows(context: Any) -> bool:
    """A ``SELECT ... FOR UPDATE`` (SQLite's compiler drops the clause): it reads to decide a
    write, so it takes the write lock too, as PostgreSQL takes the row lock."""
    statement = getattr(getattr(context, "compiled", None), "statement", None)
    return getattr(statement, "_for_update_arg", None) is not None


def _release_info(info: dict[str, Any]) -> None:
    if info.pop(_HOLDS, False):
        # RuntimeError: released from another thread than its holder (pool clean-up).
        with suppress(RuntimeError):
            WRITE_LOCK.release()
