"""Turn the instruments on for one app: called once by the app factory.

Nothing happens unless ``TRACE`` is on (``IDP_TRACE=1``, or test mode). Then the broker is
wrapped (:class:`idp.trace.broker.TracingBroker`) and request hooks are added to the device
API (``pending`` fetches, decisions and their checks, injected HTTP failures) and to the
recovery pages (each request of a flow). In test mode the fault endpoints and the trace page
are registered as well. The push views themselves are not edited: a production start runs
exactly the code it ran before.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request, session

from idp.faults.pending import tamper_pending
from idp.faults.runtime import FaultBox
from idp.trace.broker import TracingBroker
from idp.trace.store import TraceStore
from shared.errors import ProtocolError
from shared.jws import unverified_claims
from shared.messages.device_auth import token_from_authorization

__all__ = ["install_trace", "trace_store"]

_PENDING = "device_api.pending"
_DECISIONS = "device_api.decisions"


def trace_store(app: Flask | None = None) -> TraceStore | None:
    """The app's trace store, or None when tracing is off."""
    target = app or current_app
    store: TraceStore | None = target.extensions.get("idp.trace")
    return store


def install_trace(app: Flask) -> None:
    if not app.config.get("TRACE"):
        return
    store = TraceStore(app)
    faults = FaultBox(store) if app.config["TEST_MODE"] else None
    app.extensions["idp.trace"] = store
    app.extensions["idp.faults"] = faults
    app.extensions["idp.broker"] = TracingBroker(
        app.extensions["idp.broker"], store=store, faults=faults
    )
    app.before_request_funcs.setdefault("device_api", []).append(_before_device_call)
    app.after_request_funcs.setdefault("device_api", []).append(_after_device_call)
    app.after_request_funcs.setdefault("recovery", []).append(_after_recovery_request)
    if app.config["TEST_MODE"]:
        from idp.faults.views import bp as faults_bp
        from idp.trace.views import bp as trace_bp

        app.register_blueprint(faults_bp)
        app.register_blueprint(trace_bp)


def _claims(token: str | None) -> dict[str, Any]:
    """UNVERIFIED claims: only to name a device or a challenge in the trace and to pick which
    fault applies; nothing is granted on them."""
    if not token:
        return {}
    try:
        return unverified_claims(token)
    except ProtocolError:
        return {}


def _auth_claims() -> dict[str, Any]:
    try:
        return _claims(token_from_authorization(request.headers.get("Authorization")))
    except ProtocolError:
        return {}


def _decision_token() -> str | None:
    from idp.device_api.limits import json_member

    try:
        return json_member("decision")
    except ProtocolError:
        return None


def _before_device_call() -> Response | tuple[Response, int] | None:
    if request.endpoint not in {_PENDING, _DECISIONS}:
        return None
    # The trace dates a decision from its arrival, not from after its commit.
    g.trace_received_at = current_app.extensions["idp.trace"].now()
    faults: FaultBox | None = current_app.extensions.get("idp.faults")
    if faults is None:
        return None
    if request.endpoint == _PENDING:
        kind, claims = "fail_pending", _auth_claims()
    else:
        kind, claims = "fail_decisions", _claims(_decision_token())
    device_id = claims.get("iss")
    if not isinstance(device_id, str):
        return None
    fault = faults.first(device_id, kind)
    if fault is None or not faults.fire(fault):
        return None
    status = fault.params["status"]
    challenge_id = claims.get("challenge_id") if kind == "fail_decisions" else None
    faults.record(
        fault,
        challenge_id=challenge_id if isinstance(challenge_id, str) else None,
        device_id=device_id,
        detail=f"{request.endpoint.split('.')[-1]} answered HTTP {status} before doing anything",
    )
    g.trace_fault_answer = True
    body = {"error": "fault_injected", "message": f"fault {fault.id} ({kind}): HTTP {status}"}
    return jsonify(body), status


def _after_device_call(response: Response) -> Response:
    store = trace_store()
    if store is None or request.endpoint not in {_PENDING, _DECISIONS}:
        return response
    if request.endpoint == _DECISIONS:
        _trace_decision(store, response)
    elif response.status_code == 200 and not g.get("trace_fault_answer"):
        _pending_faults_and_trace(store, response)
    return response


def _trace_decision(store: TraceStore, response: Response) -> None:
    token = _decision_token()
    if token is None:  # refused before it could be read (size, JSON): nothing to trace
        return
    claims = _claims(token)
    challenge_id = claims.get("challenge_id")
    body: Any = response.get_json(silent=True) if response.is_json else None
    store.record(
        "decision_received",
        challenge_id=challenge_id if isinstance(challenge_id, str) else None,
        device_id=claims.get("iss") if isinstance(claims.get("iss"), str) else None,
        data={
            "token": token,
            "http_status": response.status_code,
            "answer": body if isinstance(body, dict) else None,
            "injected": bool(g.get("trace_fault_answer")),
        },
        at=g.get("trace_received_at"),
    )


def _pending_faults_and_trace(store: TraceStore, response: Response) -> None:
    from idp.models import Device

    device_id = _auth_claims().get("iss")
    body: Any = response.get_json(silent=True)
    if not isinstance(device_id, str) or not isinstance(body, dict):
        return
    tokens = [t for t in body.get("challenges", []) if isinstance(t, str)]
    faults: FaultBox | None = current_app.extensions.get("idp.faults")
    injected: dict[str, str] = {}
    if faults is not None:
        from idp.extensions import db

        device = db.session.get(Device, device_id)
        if device is not None:
            tokens, injected = tamper_pending(
                faults,
                device,
                tokens,
                realm=g.realm_ref,
                base_url=str(current_app.config["BASE_URL"]),
                now=current_app.extensions["idp.trace"].now(),
            )
            if injected:
                body = {**body, "challenges": tokens}
                response.set_data(jsonify(body).get_data())
    for token in tokens:
        challenge_id = _claims(token).get("challenge_id")
        store.record(
            "pending_fetched",
            challenge_id=challenge_id if isinstance(challenge_id, str) else None,
            device_id=device_id,
            data={
                "listed": len(tokens),
                "wait": request.args.get("wait", "0"),
                "token": token,
                "injected": injected.get(token),
            },
        )


def _after_recovery_request(response: Response) -> Response:
    store = trace_store()
    flow = session.get("recovery_flow") if store is not None else None
    flow_id = flow.get("id") if isinstance(flow, dict) else None
    if store is None or not isinstance(flow_id, str):
        return response
    store.record(
        "flow_request",
        flow_id=flow_id,
        data={
            "method": request.method,
            "path": request.path,
            "step": (request.view_args or {}).get("step"),
            "http_status": response.status_code,
            "location": response.headers.get("Location"),
        },
    )
    return response
