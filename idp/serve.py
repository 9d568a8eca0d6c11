"""Run the IdP: gunicorn + gevent by default, werkzeug with ``--debug``.

The CLI process first builds the app once (which validates the configuration and lets us fail
fast with a clear message) and migrates the database, then *replaces itself* with gunicorn.
Exec'ing keeps gunicorn's master small and lets the gevent worker monkey-patch the process
before the app imports anything (patching after ``ssl`` is imported is a known gevent pitfall).
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["MAX_HEADER_FIELD_BYTES", "InstanceBusy", "claim_sqlite_database", "gunicorn_argv"]

MAX_HEADER_FIELD_BYTES = 32 * 1024
"""gunicorn's own cap on one header field: the memory guard. It is above what the app reads
(8 KiB, and 16 KiB tokens in ``Authorization``), so that the app, not gunicorn, refuses a long
header with the API's JSON error body (idp/device_api/limits.py); beyond it gunicorn answers
its own 431 page."""


def gunicorn_argv(
    host: str,
    port: int,
    *,
    workers: int,
    worker_connections: int,
    access_log: bool,
) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--worker-class",
        "gevent",
        "--workers",
        str(workers),
        "--worker-connections",
        str(worker_connections),
        "--bind",
        bind,
        # SSE streams are long-lived: do not wait long for them on shutdown.
        "--graceful-timeout",
        "5",
        "--keep-alive",
        "5",
        "--limit-request-field_size",
        str(MAX_HEADER_FIELD_BYTES),
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    argv.append("idp.wsgi:app")
    return argv


class InstanceBusy(RuntimeError):
    """Another ``idp serve`` already serves this SQLite database."""


def sqlite_file(database_uri: str) -> Path | None:
    """The file of a SQLite database URL; None for another database or one in memory."""
    url = make_url(database_uri)
    if not url.drivername.startswith("sqlite") or url.database in {None, "", ":memory:"}:
        return None
    if url.query.get("mode") == "memory" or "mode=memory" in str(url.database):
        return None
    return Path(str(url.database)).resolve()


def claim_sqlite_database(database_uri: str, *, shared: bool = False) -> int | None:
    """Hold a lock beside a SQLite database for as long as this server runs.

    Without Redis a server keeps its replay guard and events in its own process: a second
    ``idp serve`` on the same file would let a device streaming from one miss the challenges
    made on the other, and a token be replayed across them. So a server without Redis holds
    the lock alone (exclusive), and servers with Redis (``shared``: they share that state
    through it) hold it together, never beside one without. The lock (``flock`` on
    ``<database>.serve-lock``; the exclusive holder writes its pid there) is inherited by
    gunicorn through its exec and released by the kernel when the server exits, however it
    exits. Returns the lock's file descriptor, or None for another database (PostgreSQL).
    """
    database = sqlite_file(database_uri)
    if database is None:
        return None
    lock_path = database.with_name(database.name + ".serve-lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        if shared:
            reason = f"another idp serve without Redis (pid {holder or '?'}) already serves"
        elif holder:
            reason = f"another idp serve (pid {holder}) already serves"
        else:
            reason = "idp serve instances with Redis (IDP_REDIS_URL) already serve"
        raise InstanceBusy(
            f"{reason} {database}: without Redis, SQLite serves one process. Stop it first, "
            "or give every instance the same IDP_REDIS_URL (docs/deployment.md)."
        ) from None
    if not shared:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    os.set_inheritable(fd, True)  # kept by gunicorn after the exec (same pid)
    return fd


def exec_gunicorn(argv: list[str], env: dict[str, str]) -> None:  # pragma: no cover - execs
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # noqa: S606 - argv is built above, no shell
