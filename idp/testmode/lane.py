"""Test mode's push trigger and status calls on the machine fast lane
(:mod:`idp.web.fast_lane`): scripts and benchmarks drive them in a loop.

What the lane hands back to Flask before any work: an unknown realm or user, a query string
other than ``wait=<digits>`` on the status call, a JSON body over 4 KiB or chunked, an unknown
challenge.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app

from idp.testmode.views import answer_status, answer_trigger, push_user
from idp.web.client import client_info_of
from idp.web.fast_lane import Answer, LaneCall, LaneRoute

__all__ = ["ROUTES"]

_WAIT = re.compile(r"wait=([0-9]{1,4})")


def trigger(call: LaneCall) -> Answer | None:
    found = push_user(*call.params)
    if found is None:
        return None
    body: Any = None
    if call.json_body and call.body:  # as request.get_json(silent=True) reads it
        try:
            body = current_app.json.loads(call.body)
        except ValueError:
            body = None
    return answer_trigger(*found, body, client_info_of(call.environ))


def status(call: LaneCall) -> Answer | None:
    wait = _WAIT.fullmatch(call.environ.get("QUERY_STRING", ""))
    code, answer = answer_status(call.params[0], wait.group(1) if wait else None)
    return None if answer is None else (code, answer)


def _status_query(query: str) -> bool:
    return not query or _WAIT.fullmatch(query) is not None


ROUTES = (
    LaneRoute(
        "POST", ("", "_dev", "realms", None, "users", None, "challenges"), trigger, max_body=4096
    ),
    LaneRoute("GET", ("", "_dev", "challenges", None), status, query=_status_query),
)
