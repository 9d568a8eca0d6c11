"""``idp trace --flow FLOW_ID``: a jasmin recovery flow's timeline (issue 19): each request of
the flow, its push challenge with every signed message, the audit records and the mails."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from idp.trace.cli import trace_command
from tests.idp.device_api.device import ProtocolDevice
from tests.idp.recovery.test_jasmin_flow import BASE, NEW, _number, _post, _to_push


def test_a_recovery_flow_traced_end_to_end(
    app: Flask, client: FlaskClient, device: ProtocolDevice
) -> None:
    _to_push(client)
    with client.session_transaction() as session:
        flow_id = session["recovery_flow"]["id"]
    _post(client, "verify_push", action="send")
    [challenge] = device.pending()
    device.decide(challenge, "approve", _number(app, challenge.challenge_id))
    _post(client, "verify_push", action="continue")
    resp = _post(client, "set_password", new_password=NEW, confirmation=NEW)
    assert resp.headers["Location"].endswith(f"{BASE}/done")

    result = app.test_cli_runner().invoke(trace_command, ["--flow", flow_id, "--json"])
    assert result.exit_code == 0, result.output
    timeline = json.loads(result.output)
    assert timeline["subject"]["challenges"] == [challenge.challenge_id]
    assert timeline["subject"]["completed_at"]
    kinds = [e["kind"] for e in timeline["events"]]
    assert kinds[0] == "flow_started"
    for kind in ("challenge_created", "pending_fetched", "decision_received", "flow_completed"):
        assert kind in kinds
    steps = [e["data"]["step"] for e in timeline["events"] if e["kind"] == "flow_request"]
    assert {"captcha", "verify_push", "set_password"} <= set(steps)
    audits = [e for e in timeline["events"] if e["kind"] in {"audit", "mail_sent"}]
    assert "push_approved" in [e["audit"]["event"] for e in audits]
    ids = [e["audit_id"] for e in audits]
    assert len(ids) == len(set(ids))  # each record once, though the challenge also lists it
    text = app.test_cli_runner().invoke(trace_command, ["--flow", flow_id])
    assert "flow_request" in text.output
    assert f"flow_id={flow_id}" in text.output
