"""``/_dev/faults`` (test mode only): inject, list and clear push-delivery faults.

``POST`` a fault (:mod:`idp.faults.spec`) -> 201 and the stored fault; ``GET`` lists them;
``DELETE`` clears them all, ``DELETE /_dev/faults/<id>`` one. Bad input answers
``{"error": code, "message": ..., "field": ...}`` with a stable code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from idp.clock import now
from idp.extensions import csrf, db
from idp.faults import store
from idp.faults.spec import FaultInputError, parse_fault

bp = Blueprint("faults", __name__, url_prefix="/_dev/faults")
csrf.exempt(bp)

__all__ = ["bp"]


@bp.errorhandler(FaultInputError)
def _refused(exc: FaultInputError) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(exc.as_json()), exc.status


@bp.post("")
def inject() -> tuple[Response, int]:
    if not request.is_json:
        raise FaultInputError("body_invalid", "send a JSON object (Content-Type: application/json)")
    body: Any = request.get_json(silent=True)
    if body is None:
        raise FaultInputError("body_invalid", "the body is not valid JSON")
    fault = store.create(parse_fault(body), now=now())
    db.session.commit()
    return jsonify(store.as_json(fault)), 201


@bp.get("")
def list_all() -> Response:
    return jsonify({"faults": [store.as_json(f) for f in store.list_faults()]})


@bp.delete("")
def clear_all() -> Response:
    cleared = store.clear()
    db.session.commit()
    return jsonify({"cleared": cleared})


@bp.delete("/<int:fault_id>")
def clear_one(fault_id: int) -> tuple[Response, int]:
    cleared = store.clear(fault_id)
    db.session.commit()
    if not cleared:
        raise FaultInputError("fault_unknown", f"no fault {fault_id}", status=404)
    return jsonify({"cleared": cleared}), 200
