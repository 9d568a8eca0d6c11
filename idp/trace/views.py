"""``/_dev/trace/<challenge_id>`` and ``/_dev/trace/flow/<flow_id>`` (test mode only): the
timeline as a page; ``?format=json`` gives what ``idp trace --json`` prints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from werkzeug.wrappers import Response

from idp.trace.timeline import challenge_timeline, flow_timeline

bp = Blueprint("dev_trace", __name__, url_prefix="/_dev/trace")

__all__ = ["bp"]


def _show(timeline: dict[str, Any] | None) -> str | Response:
    if timeline is None:
        abort(404)
    if request.args.get("format") == "json":
        return jsonify(timeline)
    return render_template("trace/timeline.html", timeline=timeline)


@bp.get("/<challenge_id>")
def challenge(challenge_id: str) -> str | Response:
    if len(challenge_id) > 64:
        abort(404)
    return _show(challenge_timeline(challenge_id, current_app.extensions["idp.trace"]))


@bp.get("/flow/<flow_id>")
def flow(flow_id: str) -> str | Response:
    if len(flow_id) > 64:
        abort(404)
    return _show(flow_timeline(flow_id, current_app.extensions["idp.trace"]))
