"""The trace inspector and fault injection on the IdP side (issue 19), through the test client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.trace.cli import trace_command
from tests.idp.device_api.device import ProtocolDevice


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TEST_MODE": True}


def _trigger(client: FlaskClient, **body: Any) -> dict[str, Any]:
    resp = client.post("/_dev/realms/jasmin/users/camille.martin/challenges", json=body)
    assert resp.status_code == 201, resp.get_json()
    result: dict[str, Any] = resp.get_json()
    return result


def _trace(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(trace_command, list(args))


# -- /_dev/faults: bad input ----------------------------------------------------------------

BAD_BODIES = [
    ([1, 2], 400, "body_invalid", None),
    ({}, 400, "kind_missing", "kind"),
    ({"kind": "explode", "device_id": "d"}, 400, "kind_invalid", "kind"),
    ({"kind": 3, "device_id": "d"}, 400, "kind_invalid", "kind"),
    ({"kind": "drop_hints"}, 400, "target_missing", None),
    ({"kind": "drop_hints", "realm": "jasmin"}, 400, "target_missing", "username"),
    (
        {"kind": "drop_hints", "device_id": "d", "realm": "jasmin", "username": "x"},
        400,
        "target_ambiguous",
        "device_id",
    ),
    ({"kind": "delay_hints", "device_id": "d"}, 400, "delay_ms_missing", "delay_ms"),
    ({"kind": "delay_hints", "device_id": "d", "delay_ms": 0}, 400, "delay_ms_invalid", "delay_ms"),
    ({"kind": "delay_hints", "device_id": "d", "delay_ms": "5"}, 400, "delay_ms_invalid", None),
    ({"kind": "fail_pending", "device_id": "d", "status": 200}, 400, "status_invalid", "status"),
    ({"kind": "fail_pending", "device_id": "d", "status": True}, 400, "status_invalid", "status"),
    (
        {"kind": "close_stream", "device_id": "d", "after_events": -1},
        400,
        "after_events_invalid",
        None,
    ),
    ({"kind": "duplicate_hints", "device_id": "d", "copies": 9}, 400, "copies_invalid", None),
    ({"kind": "drop_hints", "device_id": "d", "times": 0}, 400, "times_invalid", "times"),
    ({"kind": "drop_hints", "device_id": "d", "status": 500}, 400, "field_unknown", "status"),
    ({"kind": "drop_hints", "device_id": ""}, 400, "device_id_invalid", "device_id"),
    ({"kind": "drop_hints", "device_id": "nope"}, 404, "device_unknown", "device_id"),
    ({"kind": "drop_hints", "realm": "nope", "username": "x"}, 404, "realm_unknown", "realm"),
    ({"kind": "drop_hints", "realm": "jasmin", "username": "ghost"}, 404, "user_unknown", None),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_BODIES)
def test_bad_fault_bodies_get_a_stable_code(
    client: FlaskClient, body: Any, status: int, code: str, field: str | None
) -> None:
    resp = client.post("/_dev/faults", json=body)
    assert resp.status_code == status
    answer = resp.get_json()
    assert answer["error"] == code
    assert answer["message"]
    if field is not None:
        assert answer["field"] == field
    assert client.get("/_dev/faults").get_json() == {"faults": []}


def test_a_body_that_is_not_json(client: FlaskClient) -> None:
    resp = client.post("/_dev/faults", data="kind=drop", content_type="text/plain")
    assert (resp.status_code, resp.get_json()["error"]) == (400, "body_invalid")
    resp = client.post("/_dev/faults", data="{nope", content_type="application/json")
    assert (resp.status_code, resp.get_json()["error"]) == (400, "body_invalid")


def test_inject_list_and_clear(client: FlaskClient, device: ProtocolDevice) -> None:
    assert device.receipt is not None
    resp = client.post(
        "/_dev/faults",
        json={"kind": "delay_hints", "device_id": device.receipt.device_id, "delay_ms": 50},
    )
    assert resp.status_code == 201
    first = resp.get_json()
    assert first["params"] == {"delay_ms": 50}
    assert first["remaining"] is None
    resp = client.post(
        "/_dev/faults",
        json={
            "kind": "fail_decisions",
            "realm": "jasmin",
            "username": "camille.martin",
            "status": 503,
            "times": 2,
        },
    )
    second = resp.get_json()
    assert (second["remaining"], second["device_id"]) == (2, None)
    assert [f["id"] for f in client.get("/_dev/faults").get_json()["faults"]] == [
        first["id"],
        second["id"],
    ]
    assert client.delete(f"/_dev/faults/{first['id']}").get_json() == {"cleared": 1}
    assert client.delete(f"/_dev/faults/{first['id']}").get_json()["error"] == "fault_unknown"
    assert client.delete("/_dev/faults").get_json() == {"cleared": 1}
    assert client.get("/_dev/faults").get_json() == {"faults": []}


def test_no_faults_and_no_trace_page_outside_test_mode(tmp_path: Any, database_url: str) -> None:
    from idp import create_app
    from tests.idp.conftest import make_config

    app = create_app(make_config(tmp_path / "x.sqlite3", database_url=database_url))
    client = app.test_client()
    assert client.get("/_dev/faults").status_code == 404
    assert client.get("/_dev/trace/abc").status_code == 404
    assert "idp.trace" not in app.extensions
    assert type(app.extensions["idp.broker"]).__name__ == "LocalBroker"


# -- faults at work ---------------------------------------------------------------------------


def _fault(client: FlaskClient, device: ProtocolDevice, kind: str, **params: Any) -> int:
    assert device.receipt is not None
    resp = client.post(
        "/_dev/faults", json={"kind": kind, "device_id": device.receipt.device_id, **params}
    )
    assert resp.status_code == 201, resp.get_json()
    fault_id: int = resp.get_json()["id"]
    return fault_id


def test_fail_pending_and_decisions_answer_the_chosen_status(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    created = _trigger(client)
    _fault(client, device, "fail_pending", status=503, times=1)
    resp = device.get("/pending")
    assert resp.status_code == 503
    assert resp.get_json()["error"] == "fault_injected"
    [challenge] = device.pending()  # spent after one use
    _fault(client, device, "fail_decisions", status=502, times=1)
    resp = device.decide(challenge, "approve", created["number"])
    assert resp.status_code == 502
    assert client.get(f"/_dev/challenges/{created['challenge_id']}").get_json()["status"] == (
        "pending"
    )
    resp = device.decide(challenge, "approve", created["number"])
    assert resp.get_json()["status"] == "approved"
    timeline = json.loads(_trace(app, created["challenge_id"], "--json").output)
    kinds = [e["kind"] for e in timeline["events"]]
    faults = [e["data"]["kind"] for e in timeline["events"] if e["kind"] == "fault_injected"]
    assert faults == ["fail_pending", "fail_decisions"]
    decisions = [e for e in timeline["events"] if e["kind"] == "decision_received"]
    assert [d["http_status"] for d in decisions] == [502, 200]
    assert decisions[0]["checks"] == []  # the injected answer came before any check
    assert len(decisions[1]["checks"]) == 5
    assert kinds[-1] == "state_changed" or "state_changed" in kinds


def test_corrupt_stale_and_expired_copies_in_pending(
    client: FlaskClient, device: ProtocolDevice
) -> None:
    from shared.errors import ProtocolError

    first = _trigger(client)
    [challenge] = device.pending()
    device.decide(challenge, "deny")
    second = _trigger(client)
    _fault(client, device, "stale_pending")
    _fault(client, device, "expired_pending")
    ids = [c.challenge_id for c in _verified_or_errors(device)]
    # expired copy refused, the real one, then the stale (decided) one signed anew
    assert ids == ["message_expired", second["challenge_id"], first["challenge_id"]]
    client.delete("/_dev/faults")
    _fault(client, device, "corrupt_signature", times=1)
    with pytest.raises(ProtocolError) as refused:
        device.pending()
    assert refused.value.code == "signature_invalid"
    assert [c.challenge_id for c in device.pending()] == [second["challenge_id"]]


def _verified_or_errors(device: ProtocolDevice) -> list[Any]:
    from types import SimpleNamespace

    from shared.errors import ProtocolError
    from shared.jws import verify
    from shared.messages import PushChallenge

    assert device.receipt is not None
    resp = device.get("/pending")
    out: list[Any] = []
    for token in resp.get_json()["challenges"]:
        try:
            out.append(
                verify(
                    token,
                    keys=device.receipt.jwks,
                    model=PushChallenge,
                    audience=device.receipt.device_id,
                    issuer=device.realm_url,
                    now=device.now,
                )
            )
        except ProtocolError as exc:
            out.append(SimpleNamespace(challenge_id=exc.code))
    return out


# -- idp trace and the page ----------------------------------------------------------------


def test_trace_of_an_approved_challenge(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    created = _trigger(client)
    [challenge] = device.pending()
    assert device.decide(challenge, "approve", created["number"]).status_code == 200
    result = _trace(app, created["challenge_id"], "--json")
    assert result.exit_code == 0, result.output
    timeline = json.loads(result.output)
    assert timeline["subject"]["status"] == "approved"
    events = {e["kind"]: e for e in timeline["events"]}
    signed = events["challenge_created"]["copies"][0]["jws"]
    assert signed["header"]["alg"] == "ES256"
    assert signed["kid"] == signed["header"]["kid"]
    assert signed["signature_verified_now"] is True
    assert len(signed["key_thumbprint"]) == 43
    assert signed["payload"]["challenge_id"] == created["challenge_id"]
    assert events["hint_published"]["data"]["broker"] == "LocalBroker"
    assert events["pending_fetched"]["jws"]["signature_verified_now"] is True
    decision = events["decision_received"]
    assert decision["jws"]["signature_verified_now"] is True
    assert decision["jws"]["device_key_thumbprint"]
    assert {c["check"]: c["passed"] for c in decision["checks"]} == {
        "signature": True,
        "nonce": True,
        "number": True,
        "expiry": True,
        "state": True,
    }
    audits = [e["audit"]["event"] for e in timeline["events"] if e["kind"] == "audit"]
    assert audits == ["push_challenge_created", "push_approved"]
    offsets = [e["offset_ms"] for e in timeline["events"]]
    assert offsets == sorted(offsets)
    assert offsets[0] == 0
    text = _trace(app, created["challenge_id"])
    assert text.exit_code == 0
    assert "signature verified now: true" in text.output
    assert "check ok   number" in text.output


def test_trace_shows_a_wrong_number_as_a_failed_check(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    created = _trigger(client)
    [challenge] = device.pending()
    wrong = 10 if created["number"] != 10 else 11
    assert device.decide(challenge, "approve", wrong).status_code == 422
    timeline = json.loads(_trace(app, created["challenge_id"], "--json").output)
    [decision] = [e for e in timeline["events"] if e["kind"] == "decision_received"]
    checks = {c["check"]: c["passed"] for c in decision["checks"]}
    assert checks["number"] is False
    assert checks["signature"] is True
    assert timeline["subject"]["status"] == "failed"


def test_trace_usage_errors_and_unknown_ids(app: Flask) -> None:
    assert _trace(app).exit_code == 2
    assert _trace(app, "x", "--flow", "y").exit_code == 2
    unknown = _trace(app, "no-such-challenge")
    assert unknown.exit_code == 1
    assert "no trace" in unknown.output
    assert _trace(app, "--flow", "no-such-flow").exit_code == 1


def test_trace_page(client: FlaskClient, device: ProtocolDevice) -> None:
    created = _trigger(client)
    [challenge] = device.pending()
    device.decide(challenge, "deny")
    page = client.get(f"/_dev/trace/{created['challenge_id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "challenge_created" in html
    assert "decision_received" in html
    assert "nonce" in html
    as_json = client.get(f"/_dev/trace/{created['challenge_id']}?format=json").get_json()
    assert as_json["subject"]["status"] == "denied"
    assert client.get("/_dev/trace/unknown").status_code == 404


def test_retention_bounds_the_store(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    from sqlalchemy import func, select

    from idp.extensions import db
    from idp.models import TraceEvent

    store = app.extensions["idp.trace"]
    store.max_events = 5
    for _ in range(3):
        _trigger(client)
        device.pending()
    store.prune()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TraceEvent)) == 5


def test_a_fault_with_times_fires_exactly_that_often_under_a_race(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    import threading

    from idp.faults.store import ActiveFault

    fault_id = _fault(client, device, "drop_hints", times=2)
    assert device.receipt is not None
    fault = ActiveFault(fault_id, "drop_hints", {}, device.receipt.device_id, None)
    box = app.extensions["idp.faults"]
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def fire() -> None:
        barrier.wait()
        results.append(box.fire(fault))

    threads = [threading.Thread(target=fire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 6 + [True] * 2
    [listed] = client.get("/_dev/faults").get_json()["faults"]
    assert (listed["fired"], listed["remaining"]) == (2, 0)


def test_idp_trace_without_test_mode_records_but_serves_no_dev_page(
    tmp_path: Any, database_url: str
) -> None:
    from idp import create_app
    from tests.idp.conftest import make_config

    app = create_app(make_config(tmp_path / "x.sqlite3", database_url=database_url, TRACE="1"))
    assert "idp.trace" in app.extensions
    assert app.extensions["idp.faults"] is None
    client = app.test_client()
    assert client.get("/_dev/trace/abc").status_code == 404
    assert client.post("/_dev/faults", json={}).status_code == 404


def test_idp_trace_0_turns_it_off_in_test_mode(tmp_path: Any, database_url: str) -> None:
    from idp import create_app
    from tests.idp.conftest import make_config

    config = make_config(tmp_path / "x.sqlite3", database_url=database_url)
    app = create_app({**config, "TEST_MODE": True, "TRACE": 0})
    assert "idp.trace" not in app.extensions
    assert type(app.extensions["idp.broker"]).__name__ == "LocalBroker"
    assert app.test_client().get("/_dev/faults").status_code == 404


def test_a_devices_own_fault_wins_over_its_users(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    client.post(
        "/_dev/faults",
        json={
            "kind": "duplicate_hints",
            "realm": "jasmin",
            "username": "camille.martin",
            "copies": 5,
        },
    )
    own = _fault(client, device, "duplicate_hints", copies=2)
    assert device.receipt is not None
    chosen = app.extensions["idp.faults"].by_kind(device.receipt.device_id, ["duplicate_hints"])
    assert chosen["duplicate_hints"].id == own
    assert chosen["duplicate_hints"].params == {"copies": 2}


def test_an_event_to_every_device_of_a_user_meets_each_devices_faults(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    from idp.extensions import db
    from idp.models import Device
    from idp.push.broker import user_address
    from shared.messages import ChallengeHint

    assert device.receipt is not None
    device_id = device.receipt.device_id
    with app.app_context():
        user_id = db.session.get_one(Device, device_id).user_id
    broker = app.extensions["idp.broker"]
    decided = ChallengeHint(challenge_id="c" * 16, event="decided")

    def received() -> int:
        with app.test_request_context(), broker.subscribe(device_id, user_address(user_id)) as sub:
            broker.publish([(user_address(user_id), decided)])
            count = 0
            while sub.get(timeout=0.2) is not None:
                count += 1
            return count

    assert received() == 1
    _fault(client, device, "duplicate_hints", copies=3)
    assert received() == 3  # the user-wide event became this device's, then tripled
    client.delete("/_dev/faults")
    _fault(client, device, "drop_hints")
    assert received() == 0
