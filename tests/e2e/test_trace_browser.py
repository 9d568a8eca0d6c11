"""The trace page ``/_dev/trace/<challenge_id>`` in real Chromium after a real round trip
(headless authenticator approving with the number), and ``idp trace`` of the same challenge."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _post(live: LiveIdp, path: str, body: object) -> dict[str, object]:
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        live.url(path),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as resp:  # noqa: S310
        answer: dict[str, object] = json.loads(resp.read())
        return answer


def test_trace_page_and_cli_after_an_approval(
    live_idp: LiveIdp, page: object, tmp_path: Path
) -> None:
    auth = HeadlessAuthenticator(tmp_path / "vault.bin")
    uri = live_idp.cli("device", "enroll-uri", "jasmin", "theo.lefebvre").stdout.strip()
    assert auth.run("add", uri.splitlines()[-1]).returncode == 0
    created = _post(live_idp, "/_dev/realms/jasmin/users/theo.lefebvre/challenges", {})
    cid = str(created["challenge_id"])
    approved = auth.run("approve", "--number", str(created["number"]), "--timeout", "20")
    assert approved.returncode == 0, approved.stderr

    page.goto(live_idp.url(f"/_dev/trace/{cid}"))  # type: ignore[attr-defined]
    body = page.inner_text("body")  # type: ignore[attr-defined]
    for kind in ("challenge_created", "hint_published", "decision_received", "state_changed"):
        assert kind in body
    assert "✓ number" in body
    assert "✓ signature" in body
    shot(page, "dev-trace")

    text = live_idp.cli("trace", cid).stdout
    assert "signature verified now: true" in text
    device = auth.run("trace", cid)
    assert device.returncode == 0, device.stderr
    assert "accepted" in device.stdout
    assert "signed" in device.stdout
    assert "idp_answer" in device.stdout
