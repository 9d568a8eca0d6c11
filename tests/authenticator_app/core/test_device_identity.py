from __future__ import annotations

from datetime import datetime

from authenticator_app.core.device_identity import DeviceIdentity, request_path
from shared.jws import peek_header, verify
from shared.keys import generate_private_key
from shared.messages import DeviceAuthToken, PushDecision
from tests.authenticator_app.factories import DEVICE_ID, REALM_URL, Realm, push_account


def counter_rng() -> object:
    state = {"n": 0}

    def rng(size: int) -> bytes:
        state["n"] += 1
        return state["n"].to_bytes(size, "big")

    return rng


def test_request_path() -> None:
    assert request_path("http://h:1/realms/j/api/device/v1/pending?wait=3") == (
        "/realms/j/api/device/v1/pending"
    )


def test_auth_token_is_bound_to_the_request(realm: Realm, fixed_now: datetime) -> None:
    key = generate_private_key()
    account = push_account(realm, fixed_now, device_key=key)
    assert account.push is not None
    identity = DeviceIdentity(account.push, rng=counter_rng())  # type: ignore[arg-type]
    token = identity.auth_token(
        "get", "http://127.0.0.1:5000/realms/jasmin/api/device/v1/pending", now=fixed_now
    )
    assert peek_header(token)["kid"] == DEVICE_ID
    claims = verify(
        token,
        keys=key.public_key(),
        model=DeviceAuthToken,
        audience=REALM_URL,
        issuer=DEVICE_ID,
        now=fixed_now,
    )
    assert claims.matches_request("GET", "/realms/jasmin/api/device/v1/pending")
    assert claims.exp - claims.iat == 60
    other = identity.auth_token(
        "GET", "http://x/realms/jasmin/api/device/v1/pending", now=fixed_now
    )
    assert (
        verify(
            other,
            keys=key.public_key(),
            model=DeviceAuthToken,
            audience=REALM_URL,
            issuer=DEVICE_ID,
            now=fixed_now,
        ).jti
        != claims.jti
    )
    assert identity.authorization("GET", "http://x/p", now=fixed_now).startswith("Device ey")
    assert "PRIVATE" not in repr(identity)


def test_decision_echoes_id_and_nonce(realm: Realm, fixed_now: datetime) -> None:
    key = generate_private_key()
    account = push_account(realm, fixed_now, device_key=key)
    assert account.push is not None
    _, challenge = realm.challenge(fixed_now)
    token = DeviceIdentity(account.push).sign_decision(
        challenge, "approve", number=42, now=fixed_now
    )
    decision = verify(
        token,
        keys={DEVICE_ID: key.public_key()},
        model=PushDecision,
        audience=REALM_URL,
        issuer=DEVICE_ID,
        now=fixed_now,
    )
    assert (decision.challenge_id, decision.nonce) == (challenge.challenge_id, challenge.nonce)
    assert (decision.decision, decision.number) == ("approve", 42)
