"""Challenge verification: every forged, expired, replayed, misaddressed or superseded case is
its own test. Challenges are built with a realm key from ``shared.keys`` and ``shared.jws``."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from authenticator_app.core.accounts import Account
from authenticator_app.core.challenges import ChallengeInbox, verify_challenge
from authenticator_app.core.errors import ChallengeRefused
from shared.base64url import b64url_encode
from shared.jws import unverified_claims
from shared.keys import generate_private_key
from shared.version import PROTOCOL_VERSION
from tests.authenticator_app.factories import DEVICE_ID, Realm, push_account, totp_account


@pytest.fixture
def account(realm: Realm, fixed_now: datetime) -> Account:
    return push_account(realm, fixed_now)


def refusal(token: str, account: Account, now: datetime) -> ChallengeRefused:
    with pytest.raises(ChallengeRefused) as caught:
        verify_challenge(token, account, now=now)
    return caught.value


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    def part(value: dict[str, Any]) -> str:
        return b64url_encode(json.dumps(value, separators=(",", ":")).encode())

    return f"{part(header)}.{part(claims)}.{b64url_encode(signature)}"


def test_a_genuine_challenge_verifies(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, claims = realm.challenge(fixed_now)
    assert verify_challenge(token, account, now=fixed_now) == claims


def test_unsigned_alg_none(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now)
    header = {"alg": "none", "kid": realm.kid, "typ": "push-challenge+jwt"}
    forged = forge(header, unverified_claims(token))
    error = refusal(forged, account, fixed_now)
    assert error.code == "challenge_unsigned"
    assert error.cause == "algorithm_not_allowed"
    assert error.challenge_id == unverified_claims(token)["challenge_id"]


def test_hs256_with_the_public_key_as_secret(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    """The classic algorithm confusion: an HMAC "signed" with the published key."""
    token, _ = realm.challenge(fixed_now)
    public_pem = realm.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    unsigned = forge(
        {"alg": "HS256", "kid": realm.kid, "typ": "push-challenge+jwt"}, unverified_claims(token)
    ).rstrip(".")
    mac = hmac.new(public_pem, unsigned.encode(), hashlib.sha256).digest()
    forged = f"{unsigned}.{b64url_encode(mac)}"
    assert refusal(forged, account, fixed_now).code == "challenge_unsigned"


def test_tampered_payload(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now)
    header, _, signature = token.split(".")
    claims = unverified_claims(token)
    claims["context"]["service"] = "Banque en ligne"
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    error = refusal(f"{header}.{payload}.{signature}", account, fixed_now)
    assert error.code == "challenge_signature_invalid"


def test_signed_by_another_key_under_the_realm_kid(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    token, _ = realm.challenge(fixed_now, key=generate_private_key())
    assert refusal(token, account, fixed_now).code == "challenge_signature_invalid"


def test_signed_by_a_key_the_account_never_pinned(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    token, _ = realm.challenge(fixed_now, key=generate_private_key(), kid="attacker-key")
    assert refusal(token, account, fixed_now).code == "challenge_unknown_key"


def test_expired(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now - timedelta(minutes=5), ttl=60)
    assert refusal(token, account, fixed_now).code == "challenge_expired"


def test_issued_in_the_future(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now + timedelta(minutes=5))
    assert refusal(token, account, fixed_now).code == "challenge_not_yet_valid"


def test_for_another_device(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now, device_id="dev_someone_else")
    assert refusal(token, account, fixed_now).code == "challenge_wrong_audience"


def test_from_another_issuer(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now, iss="https://evil.example/realms/jasmin")
    assert refusal(token, account, fixed_now).code == "challenge_wrong_issuer"


def test_for_another_realm_slug(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now, realm="uphf")
    assert refusal(token, account, fixed_now).code == "challenge_wrong_issuer"


def test_not_a_jws(account: Account, fixed_now: datetime) -> None:
    error = refusal("not-a-token", account, fixed_now)
    assert error.code == "challenge_malformed"
    assert error.challenge_id is None


def test_another_message_type(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now)
    header = {"alg": "ES256", "kid": realm.kid, "typ": "push-decision+jwt"}
    forged = jwt.PyJWS().encode(
        json.dumps(unverified_claims(token)).encode(), realm.key, algorithm="ES256", headers=header
    )
    assert refusal(forged, account, fixed_now).code == "challenge_malformed"


def test_newer_protocol_version(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now)
    claims = {**unverified_claims(token), "v": PROTOCOL_VERSION + 1}
    header = {"alg": "ES256", "kid": realm.kid, "typ": "push-challenge+jwt"}
    forged = jwt.PyJWS().encode(
        json.dumps(claims).encode(), realm.key, algorithm="ES256", headers=header
    )
    assert refusal(forged, account, fixed_now).code == "challenge_version_unsupported"


def test_a_totp_account_has_no_challenges(realm: Realm, fixed_now: datetime) -> None:
    token, _ = realm.challenge(fixed_now)
    assert refusal(token, totp_account(fixed_now), fixed_now).code == "challenge_refused"


# --- the inbox ----------------------------------------------------------------------------------


def inbox(answered: set[tuple[str, str]] | None = None) -> ChallengeInbox:
    done = answered or set()
    return ChallengeInbox(was_answered=lambda a, c: (a, c) in done)


def test_inbox_adds_verified_challenges(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    token, claims = realm.challenge(fixed_now)
    changes = box.ingest(account, [token], now=fixed_now)
    assert [p.challenge for p in changes.added] == [claims]
    assert box.latest() is not None
    assert box.ingest(account, [token], now=fixed_now).added == []  # listed again: no news
    assert len(box) == 1


def test_replayed_challenge_is_refused(realm: Realm, account: Account, fixed_now: datetime) -> None:
    token, claims = realm.challenge(fixed_now)
    box = inbox({(account.id, claims.challenge_id)})
    changes = box.ingest(account, [token], now=fixed_now)
    assert [r.code for r in changes.refused] == ["challenge_replayed"]
    assert len(box) == 0


def test_a_refusal_is_reported_once(realm: Realm, account: Account, fixed_now: datetime) -> None:
    box = inbox()
    forged, _ = realm.challenge(fixed_now, key=generate_private_key())
    assert len(box.ingest(account, [forged], now=fixed_now).refused) == 1
    assert box.ingest(account, [forged], now=fixed_now).refused == []


def test_newer_challenge_supersedes_the_older_in_one_list(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    old, old_claims = realm.challenge(fixed_now, ttl=60)
    new, new_claims = realm.challenge(fixed_now, ttl=90)
    changes = box.ingest(account, [old, new], now=fixed_now)
    assert [p.challenge for p in changes.added] == [new_claims]
    assert [(r.code, r.challenge_id) for r in changes.refused] == [
        ("challenge_superseded", old_claims.challenge_id)
    ]


def test_same_expiry_later_in_the_list_wins(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    first, _ = realm.challenge(fixed_now)
    second, second_claims = realm.challenge(fixed_now)
    box.ingest(account, [first, second], now=fixed_now)
    latest = box.latest()
    assert latest is not None
    assert latest.challenge == second_claims


def test_a_newer_arrival_drops_the_pending_one(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    old, old_claims = realm.challenge(fixed_now)
    box.ingest(account, [old], now=fixed_now)
    new, new_claims = realm.challenge(fixed_now + timedelta(seconds=5))
    changes = box.ingest(account, [old, new], now=fixed_now + timedelta(seconds=5))
    assert [p.challenge for p in changes.added] == [new_claims]
    assert [(d.challenge_id, d.reason) for d in changes.dropped] == [
        (old_claims.challenge_id, "superseded")
    ]


def test_an_older_challenge_arriving_late_is_refused_as_superseded(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    new, _ = realm.challenge(fixed_now, ttl=90)
    old, _ = realm.challenge(fixed_now, ttl=60)
    box.ingest(account, [new], now=fixed_now, complete=False)
    changes = box.ingest(account, [old], now=fixed_now, complete=False)
    assert [r.code for r in changes.refused] == ["challenge_superseded"]
    assert changes.added == []


def test_other_purposes_and_users_do_not_supersede(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    sign_in, _ = realm.challenge(fixed_now)
    reset, _ = realm.challenge(fixed_now, ttl=90, purpose="password_reset")
    other_user, _ = realm.challenge(fixed_now, ttl=120, user="bob")
    assert len(box.ingest(account, [sign_in, reset, other_user], now=fixed_now).added) == 3


def test_superseded_hint_drops_and_a_relisted_id_is_refused(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    token, claims = realm.challenge(fixed_now)
    box.ingest(account, [token], now=fixed_now)
    dropped = box.drop(account.id, claims.challenge_id, "superseded")
    assert dropped is not None
    assert dropped.reason == "superseded"
    assert box.ingest(account, [token], now=fixed_now).refused[0].code == "challenge_superseded"


def test_superseded_hint_before_the_challenge_is_remembered(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    token, claims = realm.challenge(fixed_now)
    assert box.drop(account.id, claims.challenge_id, "superseded") is None
    assert box.ingest(account, [token], now=fixed_now).refused[0].code == "challenge_superseded"


def test_a_complete_list_drops_what_is_gone(
    realm: Realm, account: Account, fixed_now: datetime
) -> None:
    box = inbox()
    token, claims = realm.challenge(fixed_now)
    box.ingest(account, [token], now=fixed_now)
    changes = box.ingest(account, [], now=fixed_now)
    assert [(d.challenge_id, d.reason) for d in changes.dropped] == [(claims.challenge_id, "gone")]


def test_expire(realm: Realm, account: Account, fixed_now: datetime) -> None:
    box = inbox()
    token, claims = realm.challenge(fixed_now, ttl=30)
    box.ingest(account, [token], now=fixed_now)
    assert box.expire(fixed_now + timedelta(seconds=29)) == []
    expired = box.expire(fixed_now + timedelta(seconds=30))
    assert [(d.challenge_id, d.reason) for d in expired] == [(claims.challenge_id, "expired")]


def test_latest_per_account(realm: Realm, fixed_now: datetime) -> None:
    first = push_account(realm, fixed_now, account_id="one")
    second = push_account(realm, fixed_now, account_id="two", device_id="dev_second_device")
    box = inbox()
    token1, _ = realm.challenge(fixed_now, device_id=DEVICE_ID)
    token2, claims2 = realm.challenge(fixed_now, device_id="dev_second_device", ttl=30)
    box.ingest(first, [token1], now=fixed_now)
    box.ingest(second, [token2], now=fixed_now)
    latest = box.latest("two")
    assert latest is not None
    assert latest.challenge == claims2
    assert [p.account.id for p in box.pending] == ["two", "one"]
