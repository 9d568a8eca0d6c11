"""Sign-in with push: challenges, decisions and every refusal, through the real views."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp.clock import FixedClock
from idp.models import Challenge, User
from idp.realms.store import get_realm
from idp.users.service import find_user
from shared.version import PROTOCOL_VERSION
from tests.idp.conftest import login, text_of
from tests.idp.device_api.device import ProtocolDevice

PASSWORD = "Tournesol-Vert-42!"


def _number(app: Flask, challenge_id: str) -> int:
    from idp.extensions import db

    with app.app_context():
        ch = db.session.get(Challenge, challenge_id)
        assert ch is not None
        assert ch.number is not None
        return ch.number


def _start(browser: FlaskClient) -> None:
    resp = login(browser, "jasmin", "camille.martin", PASSWORD)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/realms/jasmin/login/push")


def test_approve_with_the_number_shown_in_the_browser(
    app: Flask, browser: FlaskClient, device: ProtocolDevice
) -> None:
    _start(browser)
    page = text_of(browser.get("/realms/jasmin/login/push"))
    assert "Soyez bien attentif au numéro qui s'affiche" in page
    [challenge] = device.pending()
    assert challenge.matching.mode == "typed"
    assert challenge.matching.choices is None  # the number never travels to the device
    assert challenge.purpose == "sign_in"
    assert challenge.context.client_ip == "127.0.0.1"
    number = _number(app, challenge.challenge_id)
    assert f">{number:02d}<" in page
    assert browser.get("/realms/jasmin/login/push/status").get_json() == {"status": "pending"}
    resp = device.decide(challenge, "approve", number)
    assert resp.get_json() == {"challenge_id": challenge.challenge_id, "status": "approved"}
    assert browser.get("/realms/jasmin/login/push/status").get_json() == {"status": "approved"}
    done = browser.get("/realms/jasmin/login/push")
    assert done.headers["Location"].endswith("/realms/jasmin/profile")
    assert browser.get("/realms/jasmin/profile").status_code == 200


def test_profile_is_not_reachable_while_push_is_pending(
    browser: FlaskClient, device: ProtocolDevice
) -> None:
    _start(browser)
    assert browser.get("/realms/jasmin/profile").status_code == 302


def test_wrong_number_fails_the_challenge(
    app: Flask, browser: FlaskClient, device: ProtocolDevice
) -> None:
    _start(browser)
    [challenge] = device.pending()
    wrong = (_number(app, challenge.challenge_id) + 1 - 10) % 90 + 10
    resp = device.decide(challenge, "approve", wrong)
    assert resp.status_code == 422
    assert resp.get_json()["error"] == "number_mismatch"
    page = text_of(browser.get("/realms/jasmin/login/push"))
    assert "Le numéro saisi dans l'application ne correspond pas" in page
    assert browser.get("/realms/jasmin/profile").status_code == 302
    again = device.decide(challenge, "approve", _number(app, challenge.challenge_id))
    assert again.get_json()["error"] == "challenge_already_decided"


def test_deny(browser: FlaskClient, device: ProtocolDevice) -> None:
    _start(browser)
    [challenge] = device.pending()
    assert device.decide(challenge, "deny").get_json()["status"] == "denied"
    assert "La demande a été refusée" in text_of(browser.get("/realms/jasmin/login/push"))
    assert browser.get("/realms/jasmin/profile").status_code == 302


def test_report_is_suspicious_and_blocks_push_recovery(
    app: Flask, browser: FlaskClient, device: ProtocolDevice, clock: FixedClock
) -> None:
    from idp.audit.service import query

    _start(browser)
    [challenge] = device.pending()
    assert device.decide(challenge, "report").get_json()["status"] == "reported"
    assert "Vous avez signalé cette demande" in text_of(browser.get("/realms/jasmin/login/push"))
    with app.app_context():
        user = find_user(get_realm("jasmin"), "camille.martin")
        assert user.push_blocked_until == clock.now() + timedelta(days=1)
        [event] = [e for e in query(realm="jasmin") if e.event == "push_reported"]
    assert event.outcome == "suspicious"


def test_approve_needs_a_number(browser: FlaskClient, device: ProtocolDevice) -> None:
    _start(browser)
    [challenge] = device.pending()
    resp = device.decide(challenge, "approve", None)
    assert resp.get_json()["error"] == "number_required"


def test_nonce_must_be_echoed(app: Flask, browser: FlaskClient, device: ProtocolDevice) -> None:
    _start(browser)
    [challenge] = device.pending()
    token = device.decision_token(
        challenge, "approve", _number(app, challenge.challenge_id), nonce="A" * 22
    )
    assert device.decide(challenge, "approve", token=token).get_json()["error"] == (
        "nonce_mismatch"
    )


def test_a_newer_challenge_supersedes_the_older(
    app: Flask, browser: FlaskClient, device: ProtocolDevice
) -> None:
    _start(browser)
    [first] = device.pending()
    page = browser.get("/realms/jasmin/login/push").get_data(as_text=True)
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    browser.post("/realms/jasmin/login/push/resend", data={"csrf_token": csrf})
    [second] = device.pending()
    assert second.challenge_id != first.challenge_id
    resp = device.decide(first, "approve", _number(app, first.challenge_id))
    assert resp.get_json()["error"] == "challenge_superseded"


def test_expired_challenge(
    app: Flask, browser: FlaskClient, device: ProtocolDevice, clock: FixedClock
) -> None:
    _start(browser)
    [challenge] = device.pending()
    clock.advance(timedelta(seconds=61))
    device.now = clock.now()
    assert device.pending() == []
    resp = device.decide(challenge, "approve", _number(app, challenge.challenge_id))
    assert resp.get_json()["error"] in {"challenge_expired", "message_expired"}
    assert "La demande a expiré" in text_of(browser.get("/realms/jasmin/login/push"))


def test_push_bombing_cap(app: Flask, device: ProtocolDevice) -> None:
    for _ in range(5):
        _start(app.test_client())
    blocked = login(app.test_client(), "jasmin", "camille.martin", PASSWORD)
    assert blocked.status_code == 200
    assert "Trop de notifications ont été envoyées" in text_of(blocked)


def test_device_token_cannot_be_replayed(device: ProtocolDevice) -> None:
    path = device.api_path + "/pending"
    headers = device.auth("GET", path)
    assert device.client.get(path, headers=headers).status_code == 200
    again = device.client.get(path, headers=headers)
    assert again.status_code == 401
    assert again.get_json()["error"] == "token_replayed"


def test_device_token_is_bound_to_the_request(device: ProtocolDevice) -> None:
    path = device.api_path + "/pending"
    resp = device.client.get(path, headers=device.auth("POST", path))
    assert resp.get_json()["error"] == "token_wrong_request"
    resp = device.client.get(path, headers=device.auth("GET", device.api_path + "/events"))
    assert resp.get_json()["error"] == "token_wrong_request"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "device_auth_required"),
        ({"Authorization": "Bearer x"}, 401, "device_auth_required"),
        ({"Authorization": "Device "}, 401, "device_auth_required"),
        ({"Authorization": "Device a.b.c"}, 400, "message_malformed"),
    ],
)
def test_missing_or_garbled_device_token(
    device: ProtocolDevice, headers: dict[str, str], status: int, code: str
) -> None:
    resp = device.client.get(device.api_path + "/pending", headers=headers)
    assert (resp.status_code, resp.get_json()["error"]) == (status, code)
    if status == 401:
        # No credentials: the challenge names the scheme and realm, not an error (RFC 6750 §3.1).
        assert resp.headers["WWW-Authenticate"] == 'Device realm="jasmin"'


def test_expired_device_token(device: ProtocolDevice, clock: FixedClock) -> None:
    path = device.api_path + "/pending"
    headers = device.auth("GET", path)
    clock.advance(timedelta(seconds=120))
    assert device.client.get(path, headers=headers).get_json()["error"] == "message_expired"


def test_token_signed_by_another_key(device: ProtocolDevice) -> None:
    from shared.keys import generate_private_key

    real = device.key
    device.key = generate_private_key()
    resp = device.get("/pending")
    device.key = real
    assert resp.get_json()["error"] == "signature_invalid"


def test_removed_device_is_refused(app: Flask, device: ProtocolDevice) -> None:
    path = device.api_path + "/device"
    assert device.client.delete(path, headers=device.auth("DELETE", path)).status_code == 204
    assert device.get("/pending").get_json()["error"] == "device_revoked"


def test_device_of_another_realm_is_unknown(device: ProtocolDevice) -> None:
    path = "/realms/uphf/api/device/v1/pending"
    resp = device.client.get(path, headers=device.auth("GET", path))
    assert resp.get_json()["error"] == "device_unknown"


def test_no_push_without_a_device(app: Flask, client: FlaskClient) -> None:
    resp = login(client, "jasmin", "camille.martin", PASSWORD)
    assert resp.headers["Location"].endswith("/realms/jasmin/profile")


def test_long_poll_returns_empty_after_the_wait(device: ProtocolDevice) -> None:
    resp = device.get("/pending", "?wait=1")
    assert resp.get_json() == {"challenges": [], "v": PROTOCOL_VERSION}
    assert device.get("/pending", "?wait=abc").get_json()["error"] == "message_malformed"


def test_jwks_and_openapi(app: Flask, device: ProtocolDevice) -> None:
    client = app.test_client()
    jwks = client.get("/realms/jasmin/api/device/v1/jwks").get_json()
    assert jwks["keys"][0]["kty"] == "EC"
    assert "d" not in jwks["keys"][0]
    spec = client.get("/api/device/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = "\n".join(spec["paths"])
    for tail in ("/enroll", "/pending", "/events", "/decisions", "/jwks", "/device"):
        assert f"/api/device/v1{tail}" in paths


def test_the_whole_decision_history_is_audited(
    app: Flask, browser: FlaskClient, device: ProtocolDevice
) -> None:
    from idp.audit.service import query

    _start(browser)
    [challenge] = device.pending()
    device.decide(challenge, "approve", _number(app, challenge.challenge_id))
    with app.app_context():
        events = [e.event for e in query(realm="jasmin")]
    assert "push_challenge_created" in events
    assert "push_approved" in events


def test_user_model_has_no_block_by_default(app: Flask) -> None:
    from sqlalchemy import select

    from idp.extensions import db

    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert all(u.push_blocked_until is None for u in users)


def test_sse_stream_is_not_buffered_and_carries_hints(app: Flask, device: ProtocolDevice) -> None:
    """Regression: the stream must start at once (spectree once buffered the whole body)."""
    app.config["SSE_MAX_SECONDS"] = 5
    path = device.api_path + "/events"
    resp = device.client.get(path, headers=device.auth("GET", path), buffered=False)
    assert resp.mimetype == "text/event-stream"
    chunks = iter(resp.response)
    assert next(chunks).startswith(b"retry: 2000\n: connected")
    _start(app.test_client())
    hint = next(chunks)
    assert hint.startswith(b"event: hint\ndata: ")
    assert b'"event":"challenge"' in hint
    resp.close()
