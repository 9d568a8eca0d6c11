"""The device decision on the machine fast lane (:mod:`idp.web.fast_lane`).

``POST /realms/<slug>/api/device/v1/decisions`` with a declared JSON body is answered by
:func:`idp.device_api.views.answer_decision` without Flask's request machinery. What the lane
hands back to Flask before any work (so that the device API's guards answer it as before): an
unknown realm, a query string, an oversized header, a chunked, oversized or non-JSON body, a
body that is not strict JSON or lacks its ``decision`` member.
"""

from __future__ import annotations

from flask import current_app, g

from idp.device_api.limits import body_limit
from idp.device_api.views import answer_decision
from idp.realms.cache import RealmCache, RealmRef
from idp.web.client import client_info_of
from idp.web.fast_lane import Answer, LaneCall, LaneRoute
from shared.errors import ProtocolError
from shared.strict_json import MAX_BODY_BYTES, loads_object

__all__ = ["ROUTES"]


def decision(call: LaneCall) -> Answer | None:
    cache: RealmCache[RealmRef] = current_app.extensions["idp.realm_cache"]
    realm = cache.get(call.params[0])
    limit = body_limit()
    if realm is None or len(call.body) > limit:
        return None
    try:
        data = loads_object(call.body, what="request body", max_bytes=limit)
    except ProtocolError:
        return None
    token = data.get("decision")
    if not isinstance(token, str) or not token:
        return None
    g.realm_ref = realm  # as the view's preprocessor sets it: error answers name the realm
    return 200, answer_decision(realm, token, client_info_of(call.environ))


ROUTES = (
    LaneRoute(
        "POST",
        ("", "realms", None, "api", "device", "v1", "decisions"),
        decision,
        max_body=MAX_BODY_BYTES,
        body_required=True,
    ),
)
