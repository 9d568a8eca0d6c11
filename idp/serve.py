"""Run the IdP: gunicorn + gevent by default, werkzeug with ``--debug``.

The CLI process first builds the app once (which validates the configuration and lets us fail
fast with a clear message) and migrates the database, then *replaces itself* with gunicorn.
Exec'ing keeps gunicorn's master small and lets the gevent worker monkey-patch the process
before the app imports anything (patching after ``ssl`` is imported is a known gevent pitfall).
"""

from __future__ import annotations

import os
import sys

__all__ = ["MAX_HEADER_FIELD_BYTES", "gunicorn_argv"]

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


def exec_gunicorn(argv: list[str], env: dict[str, str]) -> None:  # pragma: no cover - execs
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # noqa: S606 - argv is built above, no shell
