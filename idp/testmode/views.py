"""Test-mode endpoints (DESIGN.md §4); never registered in a production start.

They let testers and benchmarks script what a browser would do: read the development
outbox, trigger a push challenge for a user and watch its status.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from idp.audit.service import ClientInfo
from idp.clock import now
from idp.extensions import csrf, db, limiter
from idp.models import User
from idp.prepared import Prepared
from idp.push.challenges import ChallengeState, PushUser, create_challenge, status_of
from idp.push.errors import PushError, PushRateLimited
from idp.push.waiting import WaitInvalid, parse_wait, wait_while_pending
from idp.realms.cache import RealmCache, RealmRef
from idp.testmode.clock_requests import ClockRequestInvalid, clock_state, move_test_clock
from idp.users.service import username_key
from idp.web.client import client_info

bp = Blueprint("testmode", __name__, url_prefix="/_dev")
csrf.exempt(bp)
# Scripts and benchmarks, not browsers: the browser rate limiter has nothing to protect here
# (these routes exist only in test mode).
limiter.exempt(bp)

_USER = Prepared(
    select(User.id, User.username).where(
        User.realm_id == bindparam("realm_id"), User.username_key == bindparam("key")
    )
)

__all__ = ["bp"]


@bp.get("/mail")
def mail() -> dict[str, object]:
    """The development outbox, oldest first; ``?to=ADDRESS`` keeps the mail sent to it.

    Empty when mail goes through SMTP (tests then read their aiosmtpd server). The page for
    humans is ``/_dev/mail/view`` (idp.mail.views).
    """
    outbox = current_app.extensions.get("idp.outbox")
    messages = outbox.as_json() if outbox is not None else []
    to = request.args.get("to", "").strip().casefold()
    if to:
        messages = [m for m in messages if str(m.get("to", "")).casefold() == to]
    return {"messages": messages}


@bp.post("/realms/<slug>/users/<username>/challenges")
def trigger_challenge(slug: str, username: str) -> tuple[Response, int]:
    """Create a push challenge as a browser sign-in would; answers its id and number."""
    found = push_user(slug, username)
    if found is None:
        abort(404)
    status, answer = answer_trigger(*found, request.get_json(silent=True), client_info())
    return jsonify(answer), status


@bp.get("/challenges/<challenge_id>")
def challenge_status(challenge_id: str) -> Response | tuple[Response, int]:
    """A challenge's status; ``?wait=S`` (0 to 25) answers as soon as it is decided."""
    status, answer = answer_status(challenge_id, request.args.get("wait"))
    if answer is None:
        abort(404)
    return jsonify(answer), status


# The bodies of the two calls above, shared with the fast lane (idp.testmode.lane), which
# usually answers them without Flask's request machinery.


def push_user(slug: str, username: str) -> tuple[RealmRef, PushUser] | None:
    """The realm and the user a trigger names; None when either is unknown."""
    cache: RealmCache[RealmRef] = current_app.extensions["idp.realm_cache"]
    realm = cache.get(slug)
    key = username_key(username)
    if realm is None or not 0 < len(key) <= 120:
        return None
    found = _USER.first(db.session.connection(), {"realm_id": realm.id, "key": key})
    return None if found is None else (realm, PushUser(found.id, found.username, realm.slug))


def answer_trigger(
    realm: RealmRef, user: PushUser, body: Any, client: ClientInfo
) -> tuple[int, dict[str, Any]]:
    """Create the challenge ``body`` asks for (``{"purpose": ...}``, optional)."""
    purpose = body.get("purpose", "sign_in") if isinstance(body, dict) else "sign_in"
    if purpose not in {"sign_in", "password_reset"}:
        return 400, {"error": "purpose_invalid", "message": "sign_in or password_reset"}
    try:
        challenge = create_challenge(
            user,
            purpose=purpose,
            service=f"{realm.preset.display_name} – test",
            client=client,
            now=now(),
            broker=current_app.extensions["idp.broker"],
            # A seeded source for reproducible simulations (idp simulate fatigue); else none.
            rng=current_app.extensions.get("idp.testmode.rng"),
        )
    except PushError as exc:
        refused: dict[str, Any] = {"error": exc.code, "message": exc.detail}
        if isinstance(exc, PushRateLimited):
            refused["retry_after"] = exc.retry_after
        return exc.status, refused
    return 201, {
        "challenge_id": challenge.id,
        "number": challenge.number,
        "choices": challenge.choices,
        "status": challenge.status,
    }


def answer_status(challenge_id: str, wait_param: str | None) -> tuple[int, dict[str, Any] | None]:
    """The status of a challenge, waited for (``wait_param``); None: no such challenge."""
    try:
        wait = parse_wait(wait_param)
    except WaitInvalid as exc:
        return 400, {"error": "wait_invalid", "message": str(exc)}
    found = status_of(challenge_id, now=now())
    if found is None:
        return 404, None
    if wait and found.status == "pending":
        last = found

        def read() -> ChallengeState:
            nonlocal last
            last = status_of(challenge_id, now=now()) or last
            return last

        found = wait_while_pending(
            read,
            user_id=found.user_id,
            challenge_id=challenge_id,
            broker=current_app.extensions["idp.broker"],
            wait=wait,
            now=now,
        )
    return 200, {"challenge_id": challenge_id, "status": found.status, "failure": found.failure}


@bp.get("/clock")
def read_clock() -> Response:
    """The server's time and its offset from the wall clock (seconds)."""
    return jsonify(clock_state(current_app.extensions["idp.clock"]))


@bp.post("/clock")
def move_clock() -> tuple[Response, int]:
    """Move the server's clock, either way (``{"seconds": N}``, N may be negative), or back to
    the wall clock (``{"reset": true}``); answers ``now`` and ``offset_seconds``."""
    clock = current_app.extensions["idp.clock"]
    try:
        move_test_clock(clock, request.get_json(silent=True))
    except ClockRequestInvalid as exc:
        return jsonify({"error": exc.code, "message": str(exc)}), 400
    return jsonify(clock_state(clock)), 200
