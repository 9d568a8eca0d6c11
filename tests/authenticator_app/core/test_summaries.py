from __future__ import annotations

import json
from datetime import datetime, timedelta

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.challenges import Dropped, PendingChallenge
from authenticator_app.core.errors import ChallengeRefused
from authenticator_app.core.otp import generate_code
from authenticator_app.core.summaries import (
    account_summary,
    challenge_summary,
    code_summary,
    dropped_summary,
    refusal_summary,
)
from tests.authenticator_app.factories import RFC_SECRET, Realm, push_account, totp_account


def test_account_summary_has_no_secrets(realm: Realm, fixed_now: datetime) -> None:
    account = push_account(realm, fixed_now, otp=OtpParameters(secret=RFC_SECRET))
    view = account_summary(account)
    text = json.dumps(view)
    assert RFC_SECRET not in text
    assert "PRIVATE" not in text
    assert view["kinds"] == ["push", "totp"]
    assert view["push"]["device_id"] == account.push.device_id  # type: ignore[union-attr]
    assert view["otp"] == {
        "type": "totp",
        "digits": 6,
        "algorithm": "SHA1",
        "period": 30,
        "counter": None,
    }
    assert set(view) == {
        "id",
        "label",
        "issuer",
        "name",
        "kinds",
        "added_at",
        "push",
        "pipush",
        "otp",
    }
    assert view["pipush"] is None


def test_code_summary(fixed_now: datetime) -> None:
    account = totp_account(fixed_now)
    assert account.otp is not None
    view = code_summary(account, generate_code(account.otp, fixed_now))
    assert view["label"] == "Example:bob"
    assert len(view["code"]) == 6
    assert view["period"] == 30


def test_challenge_summary(realm: Realm, fixed_now: datetime) -> None:
    token, claims = realm.challenge(fixed_now, mode="choose", choices=[11, 22, 33], ttl=60)
    pending = PendingChallenge(push_account(realm, fixed_now), claims, token, 1)
    view = challenge_summary(pending, now=fixed_now + timedelta(seconds=15))
    assert view["event"] == "challenge"
    assert view["expires_in"] == 45
    assert view["matching"] == {"mode": "choose", "choices": [11, 22, 33]}
    assert view["service"] == "Jasmin"
    assert "nonce" not in json.dumps(view)
    assert claims.nonce not in json.dumps(view)


def test_context_time_in_unix_seconds_becomes_iso(realm: Realm, fixed_now: datetime) -> None:
    from shared.messages import ChallengeContext

    token, claims = realm.challenge(fixed_now, context=ChallengeContext(service="S", time=0))
    view = challenge_summary(
        PendingChallenge(push_account(realm, fixed_now), claims, token, 1), now=fixed_now
    )
    assert view["time"] == "1970-01-01T00:00:00+00:00"
    assert view["client_ip"] is None


def test_refusal_and_dropped() -> None:
    refusal = ChallengeRefused("x", code="challenge_replayed", challenge_id="c1", account_id="a1")
    assert refusal_summary(refusal) == {
        "event": "refused",
        "challenge_id": "c1",
        "account_id": "a1",
        "error": "challenge_replayed",
        "message": "refused a challenge that was already answered (replay)",
    }
    assert dropped_summary(Dropped("a1", "c1", "expired")) == {
        "event": "dropped",
        "challenge_id": "c1",
        "account_id": "a1",
        "reason": "expired",
    }


def test_challenge_line(realm: Realm, fixed_now: datetime) -> None:
    from authenticator_app.core.summaries import challenge_line

    token, claims = realm.challenge(fixed_now, mode="choose", choices=[11, 22, 33])
    line = challenge_line(
        PendingChallenge(push_account(realm, fixed_now), claims, token, 1), now=fixed_now
    )
    assert line == (
        f"{claims.challenge_id}  Jasmin:alice.martin  sign_in  Jasmin  from 203.0.113.42, "
        "Lyon, France, Firefox 140 (Linux)  matching choose [11, 22, 33]  expires in 60 s"
    )
