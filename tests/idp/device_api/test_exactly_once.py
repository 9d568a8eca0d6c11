""" "Exactly once", raced: threads fire together at the real views, each with its own client
and database connection (what several workers do). The PostgreSQL pass of the suite runs the
same races there (./scripts/test); tests/idp/scale/ races them across real processes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from idp.extensions import db
from idp.models import Challenge
from tests.idp.device_api.device import ProtocolDevice

RACERS = 8


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True}


def race(action: Callable[[int], Any], n: int = RACERS) -> list[Any]:
    """Run ``action(i)`` in ``n`` threads released together; their results, in order."""
    start = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        start.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def trigger(app: Flask) -> dict[str, Any]:
    resp = app.test_client().post("/_dev/realms/jasmin/users/camille.martin/challenges", json={})
    assert resp.status_code == 201, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


def test_a_challenge_is_decided_once_by_racing_decisions(
    app: Flask, device: ProtocolDevice
) -> None:
    created = trigger(app)
    [challenge] = device.pending()
    # Distinct, valid decisions (each its own jti): only the challenge's state can arbitrate.
    tokens = [device.decision_token(challenge, "approve", created["number"]) for _ in range(RACERS)]
    path = device.api_path + "/decisions"

    def decide(i: int) -> tuple[int, str]:
        resp = app.test_client().post(path, json={"decision": tokens[i]})
        body = resp.get_json()
        return resp.status_code, body.get("status") or body.get("error")

    results = race(decide)
    assert results.count((200, "approved")) == 1, results
    assert results.count((409, "challenge_already_decided")) == RACERS - 1, results


def test_one_decision_token_is_accepted_once(app: Flask, device: ProtocolDevice) -> None:
    created = trigger(app)
    [challenge] = device.pending()
    token = device.decision_token(challenge, "approve", created["number"])
    path = device.api_path + "/decisions"

    def decide(_i: int) -> int:
        return app.test_client().post(path, json={"decision": token}).status_code

    results = race(decide)
    assert results.count(200) == 1, results
    assert results.count(401) == RACERS - 1, results  # token_replayed


def test_a_failed_decision_still_spends_its_token(app: Flask, device: ProtocolDevice) -> None:
    """A rolled-back request must not free its jti (it used to: the jti was a row)."""
    created = trigger(app)
    [challenge] = device.pending()
    wrong = device.decision_token(challenge, "approve", created["number"], nonce="A" * 22)
    path = device.api_path + "/decisions"
    first = app.test_client().post(path, json={"decision": wrong})
    assert first.get_json()["error"] == "nonce_mismatch"
    again = app.test_client().post(path, json={"decision": wrong})
    assert again.status_code == 401
    assert again.get_json()["error"] == "token_replayed"


def test_one_device_token_is_accepted_once(device: ProtocolDevice, app: Flask) -> None:
    path = device.api_path + "/pending"
    headers = device.auth("GET", path)

    def fetch(_i: int) -> int:
        return app.test_client().get(path, headers=headers).status_code

    results = race(fetch)
    assert results.count(200) == 1, results
    assert results.count(401) == RACERS - 1, results


def test_the_push_cap_holds_under_concurrent_triggers(app: Flask, device: ProtocolDevice) -> None:
    def fire(_i: int) -> int:
        resp = app.test_client().post(
            "/_dev/realms/jasmin/users/camille.martin/challenges", json={}
        )
        return resp.status_code

    results = race(fire, n=12)
    with app.app_context():
        created = db.session.scalar(select(func.count()).select_from(Challenge))
        pending = db.session.scalar(
            select(func.count()).select_from(Challenge).where(Challenge.status == "pending")
        )
    assert results.count(201) == created == 5, results  # the realm's cap
    assert results.count(429) == 7, results
    assert pending == 1  # each newer one superseded the previous: one live challenge
