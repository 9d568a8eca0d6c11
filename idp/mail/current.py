"""The running app's mailer and development outbox (set up by ``extension.init_mail``).

Kept apart from ``extension`` so that the outbox page (``views``), which ``init_mail``
registers, reads the outbox without importing the module that imports it.
"""

from __future__ import annotations

from flask import current_app

from idp.mail.mailer import Mailer
from idp.mail.outbox import Outbox

__all__ = ["current_mailer", "current_outbox"]


def current_mailer() -> Mailer:
    mailer: Mailer = current_app.extensions["idp.mailer"]
    return mailer


def current_outbox() -> Outbox | None:
    """The development outbox, or None when mail goes through SMTP."""
    outbox: Outbox | None = current_app.extensions.get("idp.outbox")
    return outbox
