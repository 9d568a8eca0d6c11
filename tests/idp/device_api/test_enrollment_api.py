"""POST .../enroll: receipts, and every way an enrollment can be refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask

from idp.clock import FixedClock
from shared.jws import sign
from shared.keys import generate_private_key, jwk_thumbprint, public_jwk
from shared.messages import EnrollmentOffer
from tests.idp.device_api.device import BASE, ProtocolDevice


def test_receipt_pins_jwks_and_gives_urls_and_totp(device: ProtocolDevice) -> None:
    r = device.receipt
    assert r is not None
    assert r.realm == "jasmin"
    assert r.account == "camille.martin"
    assert r.issuer == "AECE CFA JASMIN"
    assert r.api_url == f"{BASE}/realms/jasmin/api/device/v1"
    assert r.change_password_url == f"{BASE}/realms/jasmin/password/change?login=camille.martin"
    assert r.profile_url == f"{BASE}/realms/jasmin/profile"
    assert r.matching_mode == "typed"
    assert r.totp is not None
    assert len(r.totp.secret) >= 26
    assert r.jwks.keys


def test_activation_code_is_single_use(
    app: Flask, clock: FixedClock, make_uri: Callable[..., str]
) -> None:
    uri = make_uri()
    first = ProtocolDevice(app.test_client(), clock.now())
    assert first.enroll(uri).status_code == 201
    second = ProtocolDevice(app.test_client(), clock.now())
    resp = second.enroll(uri)
    assert resp.status_code == 409
    assert resp.get_json()["error"] == "activation_code_used"


def test_expired_activation_code(
    app: Flask, clock: FixedClock, make_uri: Callable[..., str]
) -> None:
    uri = make_uri()
    clock.advance(timedelta(minutes=6))
    dev = ProtocolDevice(app.test_client(), clock.now())
    offer = EnrollmentOffer.from_uri(uri, now=clock.now() - timedelta(minutes=6))
    resp = dev.client.post(
        "/realms/jasmin/api/device/v1/enroll", json={"request": dev.enroll_request(offer)}
    )
    assert resp.status_code == 410
    assert resp.get_json()["error"] == "activation_code_expired"


def test_unknown_activation_code(
    app: Flask, clock: FixedClock, make_uri: Callable[..., str]
) -> None:
    offer = EnrollmentOffer.from_uri(make_uri(), now=clock.now())
    dev = ProtocolDevice(app.test_client(), clock.now())
    forged = offer.model_copy(update={"code": "A" * 32})
    resp = dev.client.post(
        "/realms/jasmin/api/device/v1/enroll", json={"request": dev.enroll_request(forged)}
    )
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "activation_code_unknown"


def test_a_newer_offer_withdraws_the_older(
    app: Flask, clock: FixedClock, make_uri: Callable[..., str]
) -> None:
    old = make_uri()
    make_uri()
    resp = ProtocolDevice(app.test_client(), clock.now()).enroll(old)
    assert resp.status_code == 410


def test_request_signed_by_another_key_is_refused(
    app: Flask, clock: FixedClock, make_uri: Callable[..., str]
) -> None:
    offer = EnrollmentOffer.from_uri(make_uri(), now=clock.now())
    dev = ProtocolDevice(app.test_client(), clock.now())
    token = dev.enroll_request(offer)
    # Re-sign the same claims with a key that is not the one in public_jwk.
    from shared.jws import unverified_claims
    from shared.messages import EnrollmentRequest

    claims = EnrollmentRequest.model_validate(unverified_claims(token))
    other = generate_private_key()
    forged = sign(claims, other, jwk_thumbprint(public_jwk(dev.key)))
    resp = dev.client.post("/realms/jasmin/api/device/v1/enroll", json={"request": forged})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "signature_invalid"


def test_wrong_realm_audience(app: Flask, clock: FixedClock, make_uri: Callable[..., str]) -> None:
    offer = EnrollmentOffer.from_uri(make_uri(), now=clock.now())
    dev = ProtocolDevice(app.test_client(), clock.now())
    token = dev.enroll_request(offer, aud=f"{BASE}/realms/uphf")
    resp = dev.client.post("/realms/jasmin/api/device/v1/enroll", json={"request": token})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "audience_invalid"


def test_malformed_bodies(app: Flask) -> None:
    client = app.test_client()
    for body in ({}, {"request": 3}, {"request": ""}, {"request": "a.b"}, ["x"]):
        resp = client.post("/realms/jasmin/api/device/v1/enroll", json=body)
        assert resp.status_code == 400
        assert resp.get_json()["error"] == "message_malformed"
    resp = client.post(
        "/realms/jasmin/api/device/v1/enroll", data="not json", content_type="application/json"
    )
    assert resp.get_json()["error"] == "message_malformed"


def test_oversized_body(app: Flask) -> None:
    resp = app.test_client().post(
        "/realms/jasmin/api/device/v1/enroll", json={"request": "x" * 100_000}
    )
    assert resp.status_code == 413
    assert resp.get_json()["error"] == "message_too_large"


def test_unknown_realm_is_json_404(app: Flask) -> None:
    resp = app.test_client().post("/realms/nope/api/device/v1/enroll", json={})
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "realm_unknown"


def test_enrollment_is_audited(app: Flask, device: ProtocolDevice) -> None:
    from idp.audit.service import query

    with app.app_context():
        events = [e.event for e in query(realm="jasmin")]
    assert "device_enrollment_offered" in events
    assert "device_enrolled" in events
