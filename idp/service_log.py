"""The served IdP's log: one line per event, readable by a person and by ``grep``.

gunicorn only configures its own loggers; without this the app's records went to Python's
last-resort handler (warnings and tracebacks only). Served processes log ``idp.*`` at INFO to
stderr (gunicorn's ``--error-logfile -``), one line each: time, level, logger, message.
Security events (``idp.audit``) are logged as ``event outcome key=value ...`` with the same
scrubbed fields the audit table stores, so a wrong password is one INFO line, not a traceback.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["FORMAT", "configure_service_log"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Formatter(logging.Formatter):
    """:data:`FORMAT`, its time (whole seconds) formatted once per second: a busy server writes
    hundreds of lines in the same second, each formatting the same local time."""

    _cached: tuple[int, str] = (-1, "")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        cached = self._cached  # one read, one write: threads never see half an update
        if cached[0] != second:
            cached = self._cached = (second, super().formatTime(record, datefmt))
        return cached[1]


def configure_service_log(level: int = logging.INFO) -> None:
    """Send ``idp.*`` records to stderr, once (idempotent for a re-imported WSGI module)."""
    logger = logging.getLogger("idp")
    if any(getattr(h, "_idp_service_log", False) for h in logger.handlers):
        return
    # Nothing here prints a record's thread or multiprocessing name (gunicorn's own lines
    # print the pid, kept): under gevent, naming the current thread costs each record.
    logging.logThreads = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler._idp_service_log = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
