"""The privacyIDEA harness itself: TOTP with a given seed, challenges, poll-only push policies."""

from __future__ import annotations

import base64
import time

import pyotp
import pytest

from tests.support.privacyidea import PrivacyIdeaServer

pytestmark = [pytest.mark.peer, pytest.mark.slow]

SEED_HEX = "3132333435363738393031323334353637383930"  # RFC 6238's SHA-1 seed


def test_totp_with_a_given_seed_is_accepted_once(privacyidea: PrivacyIdeaServer) -> None:
    client = privacyidea.client
    serial = client.enroll_totp("bob", seed_hex=SEED_HEX, pin="4711")
    assert serial.startswith("TOTP")
    code = pyotp.TOTP(base64.b32encode(bytes.fromhex(SEED_HEX)).decode()).at(time.time())
    first = client.validate_check("bob", "4711" + code)
    assert first["result"]["authentication"] == "ACCEPT"
    again = client.validate_check("bob", "4711" + code)
    assert again["result"]["authentication"] == "REJECT"
    wrong_pin = client.validate_check("bob", "0000" + code)
    assert wrong_pin["result"]["authentication"] == "REJECT"


def test_push_enrollment_step_one_gives_a_poll_only_uri(privacyidea: PrivacyIdeaServer) -> None:
    client = privacyidea.client
    client.set_push_policies(number_matching=True)
    enrollment = client.enroll_push("carol")
    assert enrollment.uri.startswith("otpauth://pipush/")
    assert "poll_only=True" in enrollment.uri
    assert enrollment.registration_url == f"{privacyidea.base_url}/ttype/push"
    assert len(enrollment.enrollment_credential) == 40
    assert client.token_info(enrollment.serial)["rollout_state"] == "clientwait"


def test_a_challenge_without_answer_stays_open(privacyidea: PrivacyIdeaServer) -> None:
    client = privacyidea.client
    client.set_push_policies(number_matching=False)
    client.enroll_push("grace")  # a user of its own: the server is shared by the session
    # a push token in clientwait is not triggered: nothing to answer yet
    body = client.trigger_challenge("grace")
    assert body["result"]["value"] == 0
