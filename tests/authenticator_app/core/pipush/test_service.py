"""Verifying privacyIDEA challenges offline, with a server key made here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from authenticator_app.core.accounts import Account, PiPushDevice
from authenticator_app.core.errors import ChallengeRefused, NumberMissing, NumberNotOffered
from authenticator_app.core.pipush import signing
from authenticator_app.core.pipush.service import PiChallenge, _chosen, verify_pi_challenge
from authenticator_app.core.pipush.summaries import pi_challenge_line, pi_challenge_summary

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
URL = "https://pi.example.org/ttype/push"


@cache
def server_key() -> rsa.RSAPrivateKey:
    return signing.new_device_key(2048)


@cache
def account() -> Account:
    return Account(
        id="acc1",
        issuer="privacyIDEA",
        name="alice",
        added_at=NOW,
        pipush=PiPushDevice(
            serial="PIPU0001",
            url=URL,
            private_key_pem=signing.private_key_pem(signing.new_device_key(2048)),
            server_public_key_pem=signing.public_key_pem(server_key().public_key()),
            enrolled_at=NOW,
        ),
    )


def challenge(presence: str | None = "07,42,99", **overrides: Any) -> dict[str, Any]:
    """A challenge as privacyIDEA 3.14's _build_smartphone_data makes it."""
    data: dict[str, Any] = {
        "nonce": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
        "question": "Please confirm the authentication",
        "serial": "PIPU0001",
        "title": "privacyIDEA",
        "sslverify": "1",
        "url": URL,
    }
    if presence is not None:
        data["require_presence"] = presence
        data["version"] = "2"
    data["signature"] = signing.sign(server_key(), signing.challenge_text(data))
    capabilities = {"decline_reason": True}
    data["capabilities"] = json.dumps(capabilities)
    data["capabilities_signature"] = signing.sign(
        server_key(), signing.capabilities_input(capabilities, data["nonce"])
    )
    data.update(overrides)
    return data


def never(account_id: str, nonce: str) -> bool:
    return False


def test_a_genuine_challenge_verifies() -> None:
    verified = verify_pi_challenge(account(), challenge(), was_answered=never)
    assert verified.choices == ("07", "42", "99")
    assert verified.decline_reason_supported
    assert verified.question == "Please confirm the authentication"
    plain = verify_pi_challenge(account(), challenge(presence=None), was_answered=never)
    assert plain.choices == ()
    old_server = challenge(presence=None)
    del old_server["capabilities"], old_server["capabilities_signature"]
    assert not verify_pi_challenge(account(), old_server, was_answered=never).capabilities


def _sabotaged(name: str) -> dict[str, Any]:
    data = challenge()
    if name == "presence":
        data["require_presence"] = "07,42,13"
    elif name == "capabilities":
        data["capabilities"] = '{"decline_reason": false}'
    elif name == "capabilities_signature":
        data["capabilities_signature"] = data["signature"]
    elif name == "url":
        data["url"] = "https://evil.example.org/ttype/push"
    elif name == "sslverify":
        data["sslverify"] = "0"
    return data


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("presence", "challenge_signature_invalid"),
        ("url", "challenge_signature_invalid"),
        ("sslverify", "challenge_signature_invalid"),
        ("capabilities", "challenge_capabilities_invalid"),
        ("capabilities_signature", "challenge_capabilities_invalid"),
    ],
)
def test_tampering_is_refused(name: str, code: str) -> None:
    with pytest.raises(ChallengeRefused) as refused:
        verify_pi_challenge(account(), _sabotaged(name), was_answered=never)
    assert refused.value.code == code
    assert refused.value.account_id == "acc1"


@pytest.mark.parametrize(
    "data",
    [
        "not an object",
        {"nonce": "MFRGGZDFMZTWQ2LK"},
        challenge(nonce="not base32!"),
        challenge(question=7),
        challenge(capabilities="not json"),
        challenge(capabilities="[1]"),
        challenge(require_presence=5),
    ],
)
def test_malformed_challenges_are_refused(data: object) -> None:
    with pytest.raises(ChallengeRefused) as refused:
        verify_pi_challenge(account(), data, was_answered=never)
    assert refused.value.code == "challenge_malformed"


def test_another_serial_and_replays_are_refused() -> None:
    with pytest.raises(ChallengeRefused) as refused:
        verify_pi_challenge(account(), challenge(serial="PIPU0002"), was_answered=never)
    assert refused.value.code == "challenge_wrong_audience"
    with pytest.raises(ChallengeRefused) as replayed:
        verify_pi_challenge(account(), challenge(), was_answered=lambda a, n: True)
    assert replayed.value.code == "challenge_replayed"


def test_choosing_the_presence_option() -> None:
    verified: PiChallenge = verify_pi_challenge(account(), challenge(), was_answered=never)
    assert _chosen(verified, "42") == "42"
    assert _chosen(verified, "7") == "07"
    assert _chosen(verified, " 07 ") == "07"
    with pytest.raises(NumberMissing):
        _chosen(verified, None)
    with pytest.raises(NumberNotOffered):
        _chosen(verified, "13")
    letters = verify_pi_challenge(account(), challenge(presence="A,B,C"), was_answered=never)
    assert _chosen(letters, "B") == "B"
    plain = verify_pi_challenge(account(), challenge(presence=None), was_answered=never)
    assert _chosen(plain, "42") is None


def test_summary_has_no_nonce() -> None:
    verified = verify_pi_challenge(account(), challenge(), was_answered=never)
    view = pi_challenge_summary(verified)
    assert verified.nonce not in json.dumps(view)
    assert view["matching"] == {"mode": "choice", "choices": ["07", "42", "99"]}
    assert "choose one of 07,42,99" in pi_challenge_line(verified)
