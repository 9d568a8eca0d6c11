"""Test-mode endpoints (DESIGN.md §4); never registered in a production start."""

from __future__ import annotations

from flask import Blueprint, current_app

bp = Blueprint("testmode", __name__, url_prefix="/_dev")

__all__ = ["bp"]


@bp.get("/mail")
def mail() -> dict[str, object]:
    outbox = current_app.extensions.get("idp.outbox")
    messages = outbox.as_json() if outbox is not None else []
    return {"messages": messages}
