"""Wait for a push decision: the long-poll behind every page (and script) that waits on one.

``?wait=S`` on a status endpoint answers as soon as the challenge leaves ``pending``
(approved, denied, reported, failed, superseded, or expired), or after ``S`` seconds (at most
:data:`MAX_WAIT_SECONDS`) with ``pending``. The browser learns of the approval within
milliseconds instead of at its next poll, and asks again at once.

Race-free: the waiter subscribes to the user's events (decided and superseded are addressed to
all of a user's devices, :func:`idp.push.broker.user_address`), *then* reads the state again,
so an event that lands in between is queued, not missed. Expiry has no event: the wait ends at
the challenge's ``expires_at``, and the state is read again every :data:`RECHECK_SECONDS`
anyway (every :data:`TEST_MODE_RECHECK_SECONDS` in test mode, where ``POST /_dev/clock`` moves
time without telling anyone). The database connection is given back while waiting. When the
broker is unavailable the current state is answered at once (the page asks again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from flask import current_app

from idp.extensions import db
from idp.push.broker import Broker, BrokerUnavailable, SubscriptionLost, user_address

__all__ = [
    "MAX_WAIT_SECONDS",
    "State",
    "WaitInvalid",
    "Waited",
    "parse_wait",
    "wait_for_nothing",
    "wait_while_pending",
]

MAX_WAIT_SECONDS = 25
EXPIRY_MARGIN_SECONDS = 0.05
RECHECK_SECONDS = 5.0
TEST_MODE_RECHECK_SECONDS = 0.5


class State(Protocol):
    """What a waiter reads afresh each time: the status and when it expires (None: never)."""

    @property
    def status(self) -> str: ...

    @property
    def expires_at(self) -> datetime | None: ...


S = TypeVar("S", bound=State)


@dataclass(frozen=True)
class Waited:
    """A plain :class:`State`."""

    status: str
    expires_at: datetime | None


class WaitInvalid(ValueError):
    """``wait`` is not a whole number of seconds from 0 to MAX_WAIT_SECONDS."""


def parse_wait(raw: str | None) -> int:
    if raw is None or raw == "":
        return 0
    if not raw.isdigit() or len(raw) > 3 or int(raw) > MAX_WAIT_SECONDS:
        raise WaitInvalid(f"wait: a whole number of seconds, 0 to {MAX_WAIT_SECONDS}")
    return int(raw)


def _recheck_seconds() -> float:
    return TEST_MODE_RECHECK_SECONDS if current_app.config["TEST_MODE"] else RECHECK_SECONDS


def wait_for_nothing(
    *,
    until: datetime,
    wait: float,
    now: Callable[[], datetime],
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Wait as a real waiter whom nobody answers would: until ``until`` or ``wait`` seconds
    (decoys: the page of an account without a device must not answer sooner)."""
    db.session.close()  # give the connection back while waiting
    deadline = monotonic() + wait
    while until > now() and (remaining := deadline - monotonic()) > 0:
        left = (until - now()).total_seconds()
        time.sleep(max(0.0, min(remaining, _recheck_seconds(), left)))


def wait_while_pending(
    read: Callable[[], S],
    *,
    user_id: int,
    challenge_id: str,
    broker: Broker,
    wait: float,
    now: Callable[[], datetime],
    monotonic: Callable[[], float] = time.monotonic,
) -> S:
    """The challenge's state once it is no longer pending, or after ``wait`` seconds. The
    caller read it pending just before; it is read again once subscribed (race-free)."""
    deadline = monotonic() + wait
    recheck = _recheck_seconds()
    try:
        with broker.subscribe(user_address(user_id)) as sub:
            state = read()  # what landed before the subscription was active
            while state.status == "pending":
                remaining = deadline - monotonic()
                if state.expires_at is not None:
                    until_expiry = (state.expires_at - now()).total_seconds()
                    remaining = min(remaining, until_expiry + EXPIRY_MARGIN_SECONDS)
                if remaining <= 0:
                    break
                db.session.close()  # give the connection back while waiting
                try:
                    hint = sub.get(timeout=min(remaining, recheck))
                except SubscriptionLost:
                    break
                if hint is None or hint.challenge_id == challenge_id:
                    state = read()
    except BrokerUnavailable:
        return read()  # answer what is known; the page asks again
    if state.status == "pending":  # the wait or the challenge's time is up: read it once more
        state = read()
    return state
