"""privacyIDEA push tokens (poll only) against a real privacyIDEA 3.14: the core service and the
headless verbs, end to end. Enroll (two steps, RSA key made here, server key pinned), trigger,
approve with number matching, ``polltransaction`` ACCEPT; decline; forged challenges refused."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from authenticator_app.cli import main
from authenticator_app.core.accounts import Account
from authenticator_app.core.errors import (
    NumberMissing,
    NumberNotOffered,
    PiAnswerRejected,
    PiRefused,
)
from authenticator_app.core.pipush import signing
from authenticator_app.core.pipush.service import PiPushService
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from tests.support.privacyidea import PrivacyIdeaServer

pytestmark = [pytest.mark.peer, pytest.mark.slow]

FAST_KDF = KdfParams(log2_n=4, r=1, p=1)
PIN = "246810"
WATCH = (sys.executable, "-m", "authenticator_app")


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault.create(tmp_path / "vault.bin", PIN, kdf=FAST_KDF)


def _trigger(pi: PrivacyIdeaServer, user: str, serial: str) -> tuple[str, str | None]:
    """Trigger a push challenge: its transaction id and the number shown at login."""
    body = pi.client.trigger_challenge(user)
    assert body["result"]["authentication"] == "CHALLENGE", body
    [entry] = [c for c in body["detail"]["multi_challenge"] if c["serial"] == serial]
    return str(body["detail"]["transaction_id"]), entry.get("presence_answer")


def _status(pi: PrivacyIdeaServer, transaction_id: str) -> str:
    return str(pi.client.poll_transaction(transaction_id)["result"]["authentication"])


def test_enroll_trigger_approve_with_number_matching(
    privacyidea: PrivacyIdeaServer, vault: Vault
) -> None:
    client = privacyidea.client
    client.set_push_policies(number_matching=True, options=3)
    enrollment = client.enroll_push("alice")
    service = PiPushService(vault)
    account = service.enroll(enrollment.uri)
    assert account.pipush is not None
    assert account.pipush.serial == enrollment.serial
    assert client.token_info(enrollment.serial)["rollout_state"] == "enrolled"
    assert "PRIVATE" not in repr(account)
    # the enrollment credential is single use
    again = PiPushService(Vault.create(vault.path.with_name("other.bin"), PIN, kdf=FAST_KDF))
    with pytest.raises(PiRefused):
        again.enroll(enrollment.uri)
    assert service.poll([account]).challenges == []

    transaction_id, right = _trigger(privacyidea, "alice", enrollment.serial)
    assert right is not None
    challenge, refused = service.wait_for_challenge([account], timeout=15, interval=0.3)
    assert refused == []
    assert challenge is not None
    assert len(challenge.choices) == 3
    assert right in challenge.choices
    assert challenge.decline_reason_supported
    with pytest.raises(NumberMissing):
        service.approve(challenge)
    with pytest.raises(NumberNotOffered):
        service.approve(challenge, choice="zz")
    wrong = next(c for c in challenge.choices if c != right)
    with pytest.raises(PiAnswerRejected):
        service.approve(challenge, choice=wrong)
    assert _status(privacyidea, transaction_id) != "ACCEPT"
    assert not vault.was_answered(account.id, challenge.nonce)  # still open: retry allowed

    service.approve(challenge, choice=right)
    assert _status(privacyidea, transaction_id) == "ACCEPT"
    final = client.validate_check("alice", "", transaction_id=transaction_id)
    assert final["result"]["authentication"] == "ACCEPT"
    assert vault.was_answered(account.id, challenge.nonce)
    assert service.poll([account]).challenges == []


def test_decline_with_a_reason(privacyidea: PrivacyIdeaServer, vault: Vault) -> None:
    client = privacyidea.client
    client.set_push_policies(number_matching=False)
    enrollment = client.enroll_push("bob")
    service = PiPushService(vault, key_bits=2048)
    account = service.enroll(enrollment.uri)
    transaction_id, number = _trigger(privacyidea, "bob", enrollment.serial)
    assert number is None
    challenge, _ = service.wait_for_challenge([account], timeout=15, interval=0.3)
    assert challenge is not None
    assert challenge.choices == ()
    service.deny(challenge, report=True)
    polled = client.poll_transaction(transaction_id)
    assert polled["result"]["authentication"] == "DECLINED"
    final = client.validate_check("bob", "", transaction_id=transaction_id)
    assert final["result"]["authentication"] != "ACCEPT"
    assert service.poll([account]).challenges == []


@pytest.fixture(scope="module")
def carol(privacyidea: PrivacyIdeaServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    privacyidea.client.set_push_policies(number_matching=False)
    enrollment = privacyidea.client.enroll_push("carol")
    vault = Vault.create(tmp_path_factory.mktemp("carol") / "vault.bin", PIN, kdf=FAST_KDF)
    return vault, PiPushService(vault, key_bits=2048).enroll(enrollment.uri)


class _Tampering(requests.Session):
    """A session that rewrites the challenges privacyIDEA sends (a man in the middle)."""

    def __init__(self, mutate: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.mutate = mutate

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        if method == "GET":
            body = response.json()
            for challenge in body["result"]["value"]:
                self.mutate(challenge)
            response._content = json.dumps(body).encode()
        return response


def _resign(challenge: dict[str, Any]) -> None:
    """A challenge signed by another server's key (the attacker's)."""
    attacker = signing.new_device_key(2048)
    challenge["question"] = "Approve the attacker?"
    challenge["signature"] = signing.sign(attacker, signing.challenge_text(challenge))


def _edit_question(challenge: dict[str, Any]) -> None:
    challenge["question"] = "Approve the attacker?"


def _edit_capabilities(challenge: dict[str, Any]) -> None:
    challenge["capabilities"] = json.dumps({"decline_reason": False})


def _drop_capabilities_signature(challenge: dict[str, Any]) -> None:
    del challenge["capabilities_signature"]


def _edit_serial(challenge: dict[str, Any]) -> None:
    challenge["serial"] = "PIPU00000000"


def _garble_signature(challenge: dict[str, Any]) -> None:
    challenge["signature"] = base64.b32encode(b"\x00" * 512).decode()


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (_resign, "challenge_signature_invalid"),
        (_edit_question, "challenge_signature_invalid"),
        (_garble_signature, "challenge_signature_invalid"),
        (_edit_capabilities, "challenge_capabilities_invalid"),
        (_drop_capabilities_signature, "challenge_capabilities_invalid"),
        (_edit_serial, "challenge_wrong_audience"),
    ],
    ids=["other-key", "question", "garbage", "capabilities", "no-cap-signature", "serial"],
)
def test_forged_challenges_are_refused(
    privacyidea: PrivacyIdeaServer,
    carol: tuple[Vault, Account],
    mutate: Callable[[dict[str, Any]], None],
    code: str,
) -> None:
    privacyidea.client.set_push_policies(number_matching=False)
    vault, account = carol
    assert account.pipush is not None
    honest = PiPushService(vault)
    transaction_id, _ = _trigger(privacyidea, "carol", account.pipush.serial)
    tampered = PiPushService(vault, session_factory=lambda: _Tampering(mutate))
    polled = tampered.poll([account])
    assert polled.challenges == []
    assert [r.code for r in polled.refused] == [code]
    # the genuine challenge is still there and still answerable
    challenge, _ = honest.wait_for_challenge([account], timeout=15, interval=0.3)
    assert challenge is not None
    honest.approve(challenge)
    assert _status(privacyidea, transaction_id) == "ACCEPT"


def _cli(vault_path: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(
        ["--vault", str(vault_path), *argv],
        env={"AUTHENTICATOR_PIN": PIN},
        stdout=out,
        stderr=err,
        kdf=FAST_KDF,
        interactive=False,
    )
    return status, out.getvalue(), err.getvalue()


def test_headless_verbs(privacyidea: PrivacyIdeaServer, tmp_path: Path) -> None:
    client = privacyidea.client
    client.set_push_policies(number_matching=True, options=3)
    enrollment = client.enroll_push("dave")
    vault_path = tmp_path / "cli.bin"
    status, out, err = _cli(vault_path, "add", enrollment.uri)
    assert status == 0, err
    assert f"privacyIDEA push token {enrollment.serial}" in out
    status, out, _ = _cli(vault_path, "list", "--json")
    [listed] = json.loads(out)["accounts"]
    assert listed["kinds"] == ["pipush"]
    assert listed["pipush"]["serial"] == enrollment.serial

    transaction_id, right = _trigger(privacyidea, "dave", enrollment.serial)
    assert right is not None
    status, out, _ = _cli(vault_path, "pending", "--json")
    [pending] = json.loads(out)["privacyidea"]
    assert pending["matching"]["mode"] == "choice"
    assert right in pending["matching"]["choices"]
    assert "nonce" not in pending
    wrong = next(c for c in pending["matching"]["choices"] if c != right)
    status, _, err = _cli(vault_path, "approve", "--number", wrong, "--interval", "0.3")
    assert status == 1
    assert "error [pi_answer_rejected]" in err
    status, out, err = _cli(vault_path, "approve", "--number", str(int(right)), "--interval", "0.3")
    assert status == 0, err
    assert out.startswith("accepted challenge pi_")
    assert _status(privacyidea, transaction_id) == "ACCEPT"

    transaction_id, right = _trigger(privacyidea, "dave", enrollment.serial)
    status, out, err = _cli(vault_path, "deny", "--report", "--interval", "0.3")
    assert status == 0, err
    assert out.startswith("declined challenge pi_")
    assert _status(privacyidea, transaction_id) == "DECLINED"

    status, _, err = _cli(vault_path, "approve", "--timeout", "1", "--interval", "0.3")
    assert status == 1
    assert "error [no_challenge]" in err


def test_watch_prints_each_challenge_as_it_arrives(
    privacyidea: PrivacyIdeaServer, tmp_path: Path
) -> None:
    client = privacyidea.client
    client.set_push_policies(number_matching=False)
    enrollment = client.enroll_push("erin")
    vault_path = tmp_path / "watch.bin"
    status, _, err = _cli(vault_path, "add", enrollment.uri)
    assert status == 0, err
    watch = subprocess.Popen(
        [*WATCH, "--vault", str(vault_path), "watch", "--json", "--interval", "0.3"],
        env={"AUTHENTICATOR_PIN": PIN, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        time.sleep(1.0)
        transaction_id, _ = _trigger(privacyidea, "erin", enrollment.serial)
        assert watch.stdout is not None
        arrived = json.loads(watch.stdout.readline())
        assert arrived["event"] == "challenge"
        assert arrived["protocol"] == "privacyidea"
        assert arrived["serial"] == enrollment.serial
        vault = Vault.open(vault_path, PIN)
        service = PiPushService(vault)
        challenge, _ = service.wait_for_challenge(service.accounts(), timeout=10, interval=0.3)
        assert challenge is not None
        service.approve(challenge)
        gone = json.loads(watch.stdout.readline())
        assert gone == {
            "event": "dropped",
            "challenge_id": arrived["challenge_id"],
            "account_id": arrived["account_id"],
            "reason": "gone",
        }
        assert _status(privacyidea, transaction_id) == "ACCEPT"
    finally:
        watch.terminate()
        watch.wait(timeout=30)
    assert watch.returncode == 0, watch.stderr.read() if watch.stderr else ""
