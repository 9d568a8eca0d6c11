"""Device API views: thin wrappers over idp.push (DESIGN.md §3).

Routes live under ``/realms/<slug>/api/device/v1`` (shared.addresses). Every call but
``enroll`` and ``jwks`` is authenticated by a device-signed token. Streams and long-polls
release their database connection before they wait.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from spectree import Response as Resp

from idp.audit.service import ClientInfo
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
from idp.push import challenges, enrollment
from idp.push.broker import Broker, Subscription, SubscriptionLost, user_address
from idp.push.device_auth import DeviceRef, authenticate_decision, authenticate_device
from idp.push.errors import RealmUnknown
from idp.push.signing import realm_jwks
from idp.realms.cache import RealmCache, RealmRef
from idp.realms.store import get_realm
from idp.web.client import client_info
from shared.errors import MessageMalformed
from shared.keys import Jwks
from shared.messages import EnrollmentReceipt, PendingList

bp = Blueprint("device_api", __name__, url_prefix="/realms/<slug>/api/device/v1")
csrf.exempt(bp)
# Devices are not browsers: their calls carry signed, single-use tokens, and the push cap and
# per-device checks bound them; the browser rate limiter would only cost time here.
limiter.exempt(bp)
errors.install(bp)
limits.install(bp)

__all__ = ["bp"]

MAX_WAIT_SECONDS = 30


@bp.url_value_preprocessor
def _load_realm(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    # The cached snapshot (idp.realms.cache), not an ORM row: no query on the hot path.
    slug = (values or {}).get("slug", "")
    cache: RealmCache[RealmRef] = current_app.extensions["idp.realm_cache"]
    ref = cache.get(slug) if isinstance(slug, str) else None
    if ref is None:
        raise RealmUnknown("no such realm")
    g.realm_ref = ref


def _broker() -> Broker:
    broker: Broker = current_app.extensions["idp.broker"]
    return broker


def _base_url() -> str:
    return str(current_app.config["BASE_URL"])


def _body(key: str) -> str:
    return limits.json_member(key)  # the body was read and parsed strictly by limits


def _device() -> DeviceRef:
    return authenticate_device(
        g.realm_ref,
        request.headers.get("Authorization"),
        method=request.method,
        path=request.path,
        base_url=_base_url(),
        now=now(),
    )


def _orm_realm(slug: str) -> Any:
    realm = get_realm(slug)
    if realm is None:  # pragma: no cover - the snapshot was just loaded
        raise RealmUnknown("no such realm")
    return realm


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
        _orm_realm(slug), _body("request"), base_url=_base_url(), now=now(), client=client_info()
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
    resp = jsonify(realm_jwks(_orm_realm(slug)).as_dict())
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
    try:
        wait = max(0, min(int(request.args.get("wait", "0")), MAX_WAIT_SECONDS))
    except ValueError:
        raise MessageMalformed("wait: a number of seconds, 0 to 30") from None
    device = _device()
    db.session.commit()
    tokens = _tokens(device)
    if tokens or not wait:
        return jsonify(PendingList(challenges=tokens).to_json_dict())
    with _broker().subscribe(device.id, user_address(device.user_id)) as sub:
        tokens = _tokens(device)  # what came before the subscription was active
        deadline = time.monotonic() + wait
        while not tokens and (remaining := deadline - time.monotonic()) > 0:
            db.session.close()  # give the connection back while waiting
            try:
                hint = sub.get(timeout=remaining)
            except SubscriptionLost:
                break
            if hint is not None and hint.event == "challenge":
                tokens = _tokens(device)
    return jsonify(PendingList(challenges=tokens).to_json_dict())


def _tokens(device: DeviceRef) -> list[str]:
    return challenges.pending_tokens(device, g.realm_ref, base_url=_base_url(), now=now())[-32:]


class _EventStream:
    """The SSE body: a WSGI iterable whose ``close()`` ends the subscription (PEP 3333), even
    when the client leaves before the first byte."""

    def __init__(self, subscription: Any, sub: Subscription, heartbeat: float, lifetime: float):
        self._subscription = subscription
        self._sub = sub
        self._heartbeat = heartbeat
        self._lifetime = lifetime
        self._events = self._run()
        self._closed = False

    def __iter__(self) -> _EventStream:
        return self

    def __next__(self) -> str:
        return next(self._events)

    def _run(self) -> Generator[str, None, None]:
        # Ends after `lifetime` so the device re-authenticates (a removed device drops off),
        # and when the broker lost events (the device reconnects and catches up).
        end = time.monotonic() + self._lifetime
        yield "retry: 2000\n: connected\n\n"
        while (remaining := end - time.monotonic()) > 0:
            try:
                hint = self._sub.get(timeout=min(self._heartbeat, remaining))
            except SubscriptionLost:
                return
            yield ": ping\n\n" if hint is None else f"event: hint\ndata: {hint.to_json()}\n\n"

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._events.close()
            self._subscription.__exit__(None, None, None)


@bp.get("/events")
@api.validate(
    resp=Resp(**error_responses(DEVICE_ERRORS)),  # 200: an event stream (openapi._finish)
    tags=["challenges"],
    security=DEVICE,
    skip_validation=True,
)
def events(slug: str) -> tuple[_EventStream, int, dict[str, str]]:
    """Server-sent events: ``hint`` events (a new challenge carries its signed copy) and
    ``: ping`` heartbeats."""
    device = _device()
    db.session.commit()
    db.session.close()
    # Subscribed before the answer starts: ": connected" means "catch up now, nothing after
    # this point can be missed". The device's own events and those for all its user's devices.
    subscription = _broker().subscribe(device.id, user_address(device.user_id))
    sub = subscription.__enter__()
    body = _EventStream(
        subscription,
        sub,
        heartbeat=float(current_app.config.get("SSE_HEARTBEAT_SECONDS", 15)),
        lifetime=float(current_app.config.get("SSE_MAX_SECONDS", 300)),
    )
    # A (body, status, headers) tuple, not a Response: spectree's Flask plugin reads a
    # Response's whole body (get_data) even with skip_validation, which would hold the stream.
    headers = {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
    }
    return body, 200, headers


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
    security=PUBLIC,  # the signed decision is the credential
    skip_validation=True,
)
def decisions(slug: str) -> Response:
    """Approve (with the number), deny, or report a challenge. The signed decision is the
    credential (no ``Authorization`` needed): signed by the device key, single use."""
    # The whole body is read and checked before any database work: a slow client holds
    # nothing while it sends. The same call usually takes the fast lane (idp.device_api.lane).
    return jsonify(answer_decision(g.realm_ref, _body("decision"), client_info()))


def answer_decision(realm: RealmRef, token: str, client: ClientInfo) -> dict[str, str]:
    """Authenticate a signed decision and land it: the answer's body."""
    device, decision = authenticate_decision(realm, token, base_url=_base_url(), now=now())
    result = challenges.decide(
        device, decision, realm=realm, now=now(), client=client, broker=_broker()
    )
    return {"challenge_id": result.challenge_id, "status": result.status}


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
    from idp.models import Device

    device = db.session.get_one(Device, _device().id)
    remove_device(device, now=now(), client=client_info(), by="device")
    db.session.commit()
    return "", 204
