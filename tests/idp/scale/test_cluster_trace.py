"""The trace and the faults across a cluster (issue 19): two ``idp serve`` instances on one
PostgreSQL and Redis. A fault posted to instance A is applied by instance B's workers; the
timeline says which instance published the event and which one handed it to the device."""

from __future__ import annotations

import json

import requests

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.idp.scale.test_cluster import (  # noqa: F401 - the module's fixtures, reused
    USER,
    Watch,
    approve,
    authenticator,
    cluster,
    servers,
    trigger,
    watch,
)
from tests.support.cluster import IdpCluster


def test_a_fault_posted_on_a_holds_on_b_and_the_trace_names_both_instances(
    cluster: IdpCluster,  # noqa: F811
    authenticator: HeadlessAuthenticator,  # noqa: F811
    watch: Watch,  # noqa: F811
) -> None:
    a, b = cluster.instances
    resp = requests.post(
        a.url("/_dev/faults"),
        json={"kind": "duplicate_hints", "realm": "jasmin", "username": USER, "copies": 2},
        timeout=30,
    )
    assert resp.status_code == 201, resp.text
    try:
        created = trigger(b.base_url)
        cid = created["challenge_id"]
        watch.next_challenge(cid)
        approve(authenticator, created["number"])
    finally:
        requests.delete(b.url("/_dev/faults"), timeout=30)
    timeline = json.loads(cluster.cli("trace", cid, "--json").stdout)
    events = timeline["events"]
    faults = [e for e in events if e["kind"] == "fault_injected"]
    assert {e["data"]["kind"] for e in faults} == {"duplicate_hints"}
    published = [
        e for e in events if e["kind"] == "hint_published" and e["data"]["event"] == "challenge"
    ]
    received = [
        e for e in events if e["kind"] == "hint_received" and e["data"]["event"] == "challenge"
    ]
    assert [e["data"]["broker"] for e in published] == ["RedisBroker"]
    assert len(received) == 2  # both copies crossed Redis to the stream's instance
    # B's worker published; A's worker (the device streams from A) handed the event over.
    assert published[0]["instance"] not in {e["instance"] for e in received}
    decision = next(e for e in events if e["kind"] == "decision_received")
    assert all(c["passed"] for c in decision["checks"])
