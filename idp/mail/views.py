"""The development outbox as a readable page (test mode or the ``--debug`` server only).

``/_dev/mail/view`` lists the kept messages, newest first, with their text part;
``/_dev/mail/view/html?id=<Message-ID>`` shows one HTML part alone, sandboxed (no script, no
remote content), as a mail client would.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from werkzeug.wrappers import Response

from idp.mail.current import current_outbox

__all__ = ["bp"]

bp = Blueprint("dev_mail", __name__, url_prefix="/_dev/mail")

# The HTML part is someone else's markup as far as this page is concerned: no script, no
# fetch, inline styles only (as mail clients render it), in a sandbox.
_HTML_PART_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@bp.get("/view")
def view() -> str:
    outbox = current_outbox()
    messages = list(reversed(outbox.as_json())) if outbox is not None else []
    limit = outbox.limit if outbox is not None else 0
    return render_template("mail/_dev_outbox.html", messages=messages, limit=limit)


@bp.get("/view/html")
def html_part() -> Response:
    outbox = current_outbox()
    wanted = request.args.get("id", "")
    found = next(
        (m for m in (outbox.as_json() if outbox else []) if m.get("message_id") == wanted), None
    )
    if found is None:
        abort(404)
    response = Response(str(found.get("html", "")), mimetype="text/html")
    response.headers["Content-Security-Policy"] = _HTML_PART_CSP
    return response
