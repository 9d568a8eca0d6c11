"""``idp trace CHALLENGE_ID [--json]`` and ``idp trace --flow FLOW_ID [--json]``."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

__all__ = ["trace_command"]


# Challenge ids are base64url: one may start with "-" (``idp trace -Xy...`` must still work).
@click.command("trace", context_settings={"ignore_unknown_options": True})
@click.argument("challenge_id", required=False)
@click.option("--flow", "flow_id", default=None, help="a recovery flow's id instead.")
@click.option("--json", "as_json", is_flag=True, help="the timeline as one JSON document.")
@with_appcontext
def trace_command(challenge_id: str | None, flow_id: str | None, as_json: bool) -> None:
    """The timeline of a push challenge (or of a recovery flow): every signed message decoded
    and verified again now, each delivery, fetch, check, state change, audit record and mail.

    Exit status: 0 shown, 1 unknown id, 2 usage error. Events are recorded only while tracing
    is on (IDP_TRACE=1, or test mode)."""
    from idp.trace.store import TraceStore
    from idp.trace.timeline import challenge_timeline, flow_timeline

    if (challenge_id is None) == (flow_id is None):
        click.echo("error: give a CHALLENGE_ID or --flow FLOW_ID (one of them)", err=True)
        sys.exit(2)
    store = current_app.extensions.get("idp.trace") or TraceStore(current_app)
    if flow_id is not None:
        timeline = flow_timeline(flow_id, store)
        what = f"flow {flow_id!r}"
    else:
        assert challenge_id is not None  # noqa: S101 - checked above
        timeline = challenge_timeline(challenge_id, store)
        what = f"challenge {challenge_id!r}"
    if timeline is None:
        click.echo(f"error: no trace and no record of {what}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(timeline, ensure_ascii=False, indent=2))
    else:
        from idp.trace.render import render_text

        click.echo(render_text(timeline))
