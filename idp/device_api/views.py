"""Device API views: thin wrappers over idp.push (DESIGN.md §3).

Routes live under ``/realms/<slug>/api/device/v1`` (shared.addresses). Every call but
``enroll`` and ``jwks`` is authenticated by a device-signed token. Streams and long-polls
release their database connection before they wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, g, jsonify, request
from spectree import Response as Resp

from idp.clock import now
from idp.device_api import errors, limits
from idp.device_api.openapi import (
    BODY_ERRORS,
    DEVICE,
    DEVICE_ERRORS,
    PUBLIC,
    PendingQuery,
    api,
    error_responses,
)
from idp.device_api.schemas import DecisionBody, DecisionStatus, EnrollBody
from idp.extensions import csrf, db, limiter
from idp.models import Device
from idp.push import challenges, enrollment
from idp.push.broker import Broker
from idp.push.device_auth import authenticate_device
from idp.push.signing import realm_jwks
from idp.web.client import client_info
from idp.web.realm_context import bind_realm
from shared.errors import MessageMalformed
from shared.keys import Jwks
from shared.messages import EnrollmentReceipt, PendingList

bp = Blueprint("device_api", __name__, url_prefix="/realms/<slug>/api/device/v1")
bind_realm(bp)
csrf.exempt(bp)
errors.install(bp)
limits.install(bp)

__all__ = ["bp"]

MAX_WAIT_SECONDS = 30


def _broker() -> Broker:
    broker: Broker = current_app.extensions["idp.broker"]
    return broker


def _base_url() -> str:
    return str(current_app.config["BASE_URL"])


def _body(key: str) -> str:
    return limits.json_member(key)  # the body was read and parsed strictly by limits


def _device() -> Device:
    return authenticate_device(
        g.realm,
        request.headers.get("Authorization"),
        method=request.method,
        path=request.path,
        base_url=_base_url(),
        now=now(),
    )


@bp.post("/enroll")
# Unauthenticated and costly (signature checks): capped per client address.
@limiter.limit(lambda: current_app.config["DEVICE_ENROLL_RATE_LIMIT"])
@api.validate(
    json=EnrollBody,
    resp=Resp(
        HTTP_201=EnrollmentReceipt,
        **error_responses(
            BODY_ERRORS,
            {
                401: (
                    "algorithm_not_allowed",
                    "unknown_key",
                    "signature_invalid",
                    "audience_invalid",
                    "message_expired",
                    "message_not_yet_valid",
                    "token_replayed",
                ),
                404: ("activation_code_unknown",),
                409: ("activation_code_used",),
                410: ("activation_code_expired",),
                429: ("http_429",),
            },
        ),
    ),
    tags=["enrollment"],
    security=PUBLIC,
    skip_validation=True,
)
def enroll(slug: str) -> tuple[Response, int]:
    """Redeem an enrollment offer with a new device key."""
    receipt = enrollment.redeem(
        g.realm, _body("request"), base_url=_base_url(), now=now(), client=client_info()
    )
    db.session.commit()
    return jsonify(receipt.to_json_dict()), 201


@bp.get("/jwks")
@api.validate(
    resp=Resp(HTTP_200=Jwks, **error_responses()),
    tags=["keys"],
    security=PUBLIC,
    skip_validation=True,
)
def jwks(slug: str) -> Response:
    """The realm's public signing keys."""
    resp = jsonify(realm_jwks(g.realm).as_dict())
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/pending")
@api.validate(
    query=PendingQuery,
    resp=Resp(HTTP_200=PendingList, **error_responses(DEVICE_ERRORS)),
    tags=["challenges"],
    security=DEVICE,
    skip_validation=True,
)
def pending(slug: str) -> Response:
    """Pending challenges for this device (``?wait=S`` long-polls up to 30 s)."""
    device = _device()
    device_id = device.id
    db.session.commit()
    try:
        wait = max(0, min(int(request.args.get("wait", "0")), MAX_WAIT_SECONDS))
    except ValueError:
        raise MessageMalformed("wait: a number of seconds, 0 to 30") from None
    with _broker().subscribe(device_id) as sub:
        tokens = _tokens(device_id)
        deadline = time.monotonic() + wait
        while not tokens and (remaining := deadline - time.monotonic()) > 0:
            db.session.close()  # give the connection back while waiting
            hint = sub.get(timeout=remaining)
            if hint is not None and hint.event == "challenge":
                tokens = _tokens(device_id)
    return jsonify(PendingList(challenges=tokens).to_json_dict())


def _tokens(device_id: str) -> list[str]:
    device = db.session.get(Device, device_id)
    if device is None:  # removed while waiting
        return []
    return challenges.pending_tokens(device, base_url=_base_url(), now=now())[-32:]


@bp.get("/events")
@api.validate(
    resp=Resp(**error_responses(DEVICE_ERRORS)),  # 200: an event stream (openapi._finish)
    tags=["challenges"],
    security=DEVICE,
    skip_validation=True,
)
def events(slug: str) -> tuple[Iterator[str], int, dict[str, str]]:
    """Server-sent events: a ``hint`` per challenge event, ``: ping`` heartbeats."""
    device_id = _device().id
    db.session.commit()
    db.session.close()
    broker = _broker()
    heartbeat = float(current_app.config.get("SSE_HEARTBEAT_SECONDS", 15))
    lifetime = float(current_app.config.get("SSE_MAX_SECONDS", 300))

    def stream() -> Iterator[str]:
        # Ends after `lifetime` so the device re-authenticates (a removed device drops off).
        end = time.monotonic() + lifetime
        with broker.subscribe(device_id) as sub:
            yield "retry: 2000\n: connected\n\n"
            while (remaining := end - time.monotonic()) > 0:
                hint = sub.get(timeout=min(heartbeat, remaining))
                yield ": ping\n\n" if hint is None else f"event: hint\ndata: {hint.to_json()}\n\n"

    # A (body, status, headers) tuple, not a Response: spectree's Flask plugin reads a
    # Response's whole body (get_data) even with skip_validation, which would hold the stream.
    headers = {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
    }
    return stream(), 200, headers


@bp.post("/decisions")
@api.validate(
    json=DecisionBody,
    resp=Resp(
        HTTP_200=DecisionStatus,
        **error_responses(
            DEVICE_ERRORS,
            BODY_ERRORS,
            {
                404: ("challenge_not_found",),
                409: ("challenge_already_decided", "challenge_superseded"),
                410: ("challenge_expired",),
                422: ("number_mismatch", "nonce_mismatch", "number_required"),
            },
        ),
    ),
    tags=["challenges"],
    security=DEVICE,
    skip_validation=True,
)
def decisions(slug: str) -> Response:
    """Approve (with the number), deny, or report a challenge."""
    device = _device()
    result = challenges.decide(
        device,
        _body("decision"),
        realm=g.realm,
        base_url=_base_url(),
        now=now(),
        client=client_info(),
        broker=_broker(),
    )
    return jsonify({"challenge_id": result.challenge_id, "status": result.status})


@bp.delete("/device")
@api.validate(
    resp=Resp(HTTP_204=None, **error_responses(DEVICE_ERRORS)),
    tags=["enrollment"],
    security=DEVICE,
    skip_validation=True,
)
def unenroll(slug: str) -> tuple[str, int]:
    """The device removes itself from the account."""
    from idp.mfa.service import remove_device

    device = _device()
    remove_device(device, now=now(), client=client_info(), by="device")
    db.session.commit()
    return "", 204
