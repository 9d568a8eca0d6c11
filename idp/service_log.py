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


def configure_service_log(level: int = logging.INFO) -> None:
    """Send ``idp.*`` records to stderr, once (idempotent for a re-imported WSGI module)."""
    logger = logging.getLogger("idp")
    if any(getattr(h, "_idp_service_log", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler._idp_service_log = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
