"""Mail sent after the database transaction that caused it, never while it holds a lock.

Under gevent, SQLite's write lock is held by a greenlet, and SMTP I/O yields to other
greenlets; a greenlet that then needs the lock blocks the whole process inside SQLite for up
to its busy timeout. So a mail about a change is *deferred*: queued while the change is made,
sent once it is committed (after the view returned, or when a job calls ``flush``).
"""

from __future__ import annotations

import contextlib
import logging
import threading

from flask import after_this_request, current_app, g, has_request_context
from werkzeug.wrappers import Response

from idp.extensions import db
from idp.mail.current import current_mailer
from idp.mail.errors import MailDeliveryFailed
from idp.mail.message import OutgoingMail

__all__ = ["defer", "flush"]

log = logging.getLogger(__name__)
_local = threading.local()


def _queue() -> list[tuple[OutgoingMail, bool]]:
    if has_request_context():
        if "deferred_mail" not in g:
            g.deferred_mail = []
            after_this_request(_after_request)
        queue: list[tuple[OutgoingMail, bool]] = g.deferred_mail
        return queue
    if not hasattr(_local, "queue"):
        _local.queue = []
    queue = _local.queue
    return queue


def defer(message: OutgoingMail, *, background: bool = False) -> None:
    """Send ``message`` after the current transaction; ``background``: after the answer too."""
    _queue().append((message, background))


def _send(message: OutgoingMail) -> None:
    # A failure is logged and audited by the mailer; the change it reports stands.
    with contextlib.suppress(MailDeliveryFailed):
        current_mailer().send(message)
    db.session.commit()  # the mailer's audit rows


def flush() -> None:
    """Send what was deferred outside a request (jobs), once their change is committed."""
    queue = getattr(_local, "queue", [])
    _local.queue = []
    for message, _background in queue:
        _send(message)


def _after_request(response: Response) -> Response:
    queue: list[tuple[OutgoingMail, bool]] = g.pop("deferred_mail", [])
    later = [m for m, background in queue if background]
    for message, background in queue:
        if not background:
            _send(message)
    if later:
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def run() -> None:
            with app.app_context():
                try:
                    for message in later:
                        _send(message)
                except Exception:
                    log.exception("deferred mail failed")
                finally:
                    db.session.remove()

        # When the server closes the response, i.e. once its bytes are written. A thread
        # started here (a greenlet under gevent) could run before the answer left and delay
        # it for accounts that get mail only: a timing oracle (scripts/bench_no_enumeration.py).
        response.call_on_close(run)
    return response
