"""The authenticator under each injected delivery fault (issue 19), against a real ``idp serve``
in test mode: it refuses the corrupted and the stale, survives the dropped (catch-up), ignores
the duplicate, retries the 5xx with backoff, and says what happened. Both traces (``idp trace``
and ``authenticator trace``) show each fault.

The app side is ``authenticator_app.core`` in this process (its watcher and push service, as the
GUI and the headless CLI use them); the IdP is a real server (gunicorn + gevent).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.core.accounts import Account
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.idp_errors import IdpRefused
from authenticator_app.core.push_service import PushService, RetryNotice
from authenticator_app.core.trace_log import TraceLog, trace_log_path
from authenticator_app.core.vault import Vault
from authenticator_app.core.vault_crypto import KdfParams
from authenticator_app.core.watcher import (
    ChallengeArrived,
    ChallengeRefusedEvent,
    ConnectionChanged,
    Watcher,
    WatchEvent,
)
from tests.e2e.conftest import LiveIdp, start_idp, stop_idp

pytestmark = [pytest.mark.slow]

FAST_KDF = KdfParams(log2_n=4, r=1, p=1)
QUICK_RETRIES = (0.1, 0.2, 0.4)
_users = itertools.count(1)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIdp]:
    # Streams end every 4 s, so a device that missed an event catches up soon.
    server = start_idp(tmp_path_factory.mktemp("idp"), IDP_SSE_MAX_SECONDS="4")
    yield server
    stop_idp(server)


def _call(live: LiveIdp, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        live.url(path), data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@dataclass
class Phone:
    """One enrolled device of its own user."""

    live: LiveIdp
    username: str
    vault: Vault
    account: Account
    service: PushService
    retries: list[RetryNotice] = field(default_factory=list)

    @property
    def device_id(self) -> str:
        assert self.account.push is not None
        return self.account.push.device_id

    def trigger(self) -> dict[str, Any]:
        status, body = _call(
            self.live, "POST", f"/_dev/realms/jasmin/users/{self.username}/challenges", {}
        )
        assert status == 201, body
        result: dict[str, Any] = body
        return result

    def fault(self, kind: str, **params: Any) -> dict[str, Any]:
        status, body = _call(
            self.live, "POST", "/_dev/faults", {"kind": kind, "device_id": self.device_id, **params}
        )
        assert status == 201, body
        result: dict[str, Any] = body
        return result

    def status(self, challenge_id: str) -> str:
        return str(_call(self.live, "GET", f"/_dev/challenges/{challenge_id}")[1]["status"])

    def idp_trace(self, challenge_id: str) -> dict[str, Any]:
        done = self.live.cli("trace", challenge_id, "--json")
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def device_trace(self, challenge_id: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(Path(sys.executable).parent / "authenticator"),
                "--vault",
                str(self.vault.path),
                "trace",
                challenge_id,
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def phone(live: LiveIdp, tmp_path: Path) -> Iterator[Phone]:
    username = f"fault.user{next(_users)}"
    live.cli("user", "create", "jasmin", username, "--password", "Correct-Horse-42!")
    uri = live.cli("device", "enroll-uri", "jasmin", username).stdout.strip().splitlines()[-1]
    vault_path = tmp_path / "vault.bin"
    vault = Vault.create(vault_path, "2468", kdf=FAST_KDF)
    account = Enroller(vault).add_uri(uri, device_name="Pixel de test")
    made = Phone(live, username, vault, account, service=None)  # type: ignore[arg-type]
    made.service = PushService(
        vault,
        timeout=10,
        retry_delays=QUICK_RETRIES,
        trace=TraceLog(trace_log_path(vault_path)),
        on_retry=made.retries.append,
    )
    yield made
    _call(live, "DELETE", "/_dev/faults")


class Watching:
    """A watcher running in a thread, its events collected."""

    def __init__(self, phone: Phone) -> None:
        self.events: list[WatchEvent] = []
        self.watcher = Watcher(
            phone.service, [phone.account], read_timeout=10, backoff_initial=0.2, tick=0.1
        )
        self.thread = threading.Thread(target=self.watcher.run, args=(self.events.append,))

    def __enter__(self) -> Watching:
        self.thread.start()
        self.wait_for(lambda e: isinstance(e, ConnectionChanged) and e.connected)
        return self

    def __exit__(self, *exc: object) -> None:
        self.watcher.stop()
        self.thread.join(timeout=15)

    def wait_for(self, match: Callable[[WatchEvent], bool], timeout: float = 15) -> WatchEvent:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if match(event):
                    return event
            seen = 0
            time.sleep(0.05)
        raise AssertionError(f"not seen within {timeout} s; events: {self.events}")

    def fresh_connection(self) -> None:
        """Wait for the stream's next (re)connection and its catch-up: the next few seconds
        (streams last 4 s here) get events only through the stream, not from a catch-up."""
        start = len(self.events)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(isinstance(e, ConnectionChanged) and e.connected for e in self.events[start:]):
                time.sleep(0.3)  # the catch-up that follows the connection
                return
            time.sleep(0.05)
        raise AssertionError("the stream did not reconnect")

    def arrived(self) -> list[str]:
        return [
            e.pending.challenge.challenge_id for e in self.events if isinstance(e, ChallengeArrived)
        ]

    def refused(self) -> list[tuple[str | None, str]]:
        return [
            (e.refusal.challenge_id, e.refusal.code)
            for e in self.events
            if isinstance(e, ChallengeRefusedEvent)
        ]


def _faults_in(timeline: dict[str, Any]) -> list[str]:
    return [e["data"]["kind"] for e in timeline["events"] if e["kind"] == "fault_injected"]


def test_a_corrupted_signature_is_refused_in_the_event_and_in_pending(phone: Phone) -> None:
    phone.fault("corrupt_signature")
    with Watching(phone) as watching:
        created = phone.trigger()
        cid = created["challenge_id"]
        watching.wait_for(lambda e: isinstance(e, ChallengeRefusedEvent))
        time.sleep(0.5)
        assert (cid, "challenge_signature_invalid") in watching.refused()
        assert cid not in watching.arrived()
    inbox = phone.service.new_inbox()
    refused = phone.service.refresh(inbox, [phone.account]).refused
    assert [(r.challenge_id, r.code) for r in refused] == [(cid, "challenge_signature_invalid")]
    assert len(inbox) == 0
    assert "corrupt_signature" in _faults_in(phone.idp_trace(cid))
    shown = phone.device_trace(cid)
    assert shown.returncode == 0, shown.stderr
    assert "refused" in shown.stdout
    assert "code=challenge_signature_invalid" in shown.stdout
    assert "signature_verified=False" in shown.stdout


def test_a_stale_challenge_from_pending_is_refused_as_a_replay(phone: Phone) -> None:
    created = phone.trigger()
    inbox = phone.service.new_inbox()
    phone.service.refresh(inbox, [phone.account])
    [pending] = inbox.pending
    phone.service.answer(pending, "approve", number=created["number"], inbox=inbox)
    phone.fault("stale_pending")
    fresh = phone.service.new_inbox()
    refused = phone.service.refresh(fresh, [phone.account]).refused
    assert [(r.challenge_id, r.code) for r in refused] == [
        (created["challenge_id"], "challenge_replayed")
    ]
    assert len(fresh) == 0
    assert phone.status(created["challenge_id"]) == "approved"
    assert "stale_pending" in _faults_in(phone.idp_trace(created["challenge_id"]))


def test_an_expired_copy_is_refused_and_the_live_one_kept(phone: Phone) -> None:
    created = phone.trigger()
    phone.fault("expired_pending")
    inbox = phone.service.new_inbox()
    refused = phone.service.refresh(inbox, [phone.account]).refused
    assert [r.code for r in refused] == ["challenge_expired"]
    assert [p.challenge.challenge_id for p in inbox.pending] == [created["challenge_id"]]


def test_a_dropped_event_is_caught_up_from_pending(phone: Phone) -> None:
    phone.fault("drop_hints", times=1)
    with Watching(phone) as watching:
        watching.fresh_connection()
        created = phone.trigger()
        cid = created["challenge_id"]
        time.sleep(1.0)
        assert cid not in watching.arrived()  # the event was dropped...
        watching.wait_for(  # ...and the next connection's catch-up finds it
            lambda e: isinstance(e, ChallengeArrived) and e.pending.challenge.challenge_id == cid
        )
    timeline = phone.idp_trace(cid)
    assert _faults_in(timeline) == ["drop_hints"]
    assert any(e["kind"] == "pending_fetched" for e in timeline["events"])


def test_duplicated_events_show_one_challenge(phone: Phone) -> None:
    phone.fault("duplicate_hints", copies=3)
    with Watching(phone) as watching:
        created = phone.trigger()
        cid = created["challenge_id"]
        watching.wait_for(lambda e: isinstance(e, ChallengeArrived))
        time.sleep(1.0)
        assert watching.arrived().count(cid) == 1
    entries = TraceLog(trace_log_path(phone.vault.path)).entries(cid)
    events = [e["event"] for e in entries]
    assert events.count("ignored_duplicate") >= 2
    received = [e for e in phone.idp_trace(cid)["events"] if e["kind"] == "hint_received"]
    assert len(received) >= 3


def test_events_out_of_order_leave_only_the_newest_challenge(phone: Phone) -> None:
    phone.fault("reorder_hints", hold_ms=1500)
    with Watching(phone) as watching:
        watching.fresh_connection()
        first = phone.trigger()["challenge_id"]
        time.sleep(0.3)
        second = phone.trigger()["challenge_id"]
        watching.wait_for(
            lambda e: isinstance(e, ChallengeArrived) and e.pending.challenge.challenge_id == second
        )
        time.sleep(0.5)
        assert [p.challenge.challenge_id for p in watching.watcher.inbox.pending] == [second]
        assert first not in watching.arrived()
    assert "reorder_hints" in _faults_in(phone.idp_trace(first))


def test_a_delayed_event_arrives_late(phone: Phone) -> None:
    phone.fault("delay_hints", delay_ms=1500)
    with Watching(phone) as watching:
        watching.fresh_connection()
        started = time.monotonic()
        cid = phone.trigger()["challenge_id"]
        watching.wait_for(
            lambda e: isinstance(e, ChallengeArrived) and e.pending.challenge.challenge_id == cid
        )
        assert time.monotonic() - started >= 1.4
    events = phone.idp_trace(cid)["events"]
    created = next(e for e in events if e["kind"] == "challenge_created")
    [late] = [e for e in events if "delayed 1500 ms" in e["summary"]]
    assert late["kind"] == "hint_published"
    assert late["offset_ms"] - created["offset_ms"] >= 1400


def test_pending_5xx_is_retried_with_backoff(phone: Phone) -> None:
    created = phone.trigger()
    phone.fault("fail_pending", status=503, times=2)
    inbox = phone.service.new_inbox()
    started = time.monotonic()
    phone.service.refresh(inbox, [phone.account])
    assert [p.challenge.challenge_id for p in inbox.pending] == [created["challenge_id"]]
    assert [(n.error.status, n.delay) for n in phone.retries] == [(503, 0.1), (503, 0.2)]
    assert time.monotonic() - started >= 0.3
    retries = [
        e for e in TraceLog(trace_log_path(phone.vault.path)).entries() if e["event"] == "retry"
    ]
    assert [r["attempt"] for r in retries] == [1, 2]


def test_pending_that_keeps_failing_ends_with_a_clear_error(phone: Phone) -> None:
    phone.fault("fail_pending", status=500)
    with pytest.raises(IdpRefused) as failed:
        phone.service.refresh(phone.service.new_inbox(), [phone.account])
    assert failed.value.status == 500
    assert failed.value.code == "fault_injected"
    assert len(phone.retries) == len(QUICK_RETRIES)


def test_a_4xx_is_not_retried(phone: Phone) -> None:
    phone.fault("fail_pending", status=409, times=1)
    with pytest.raises(IdpRefused):
        phone.service.refresh(phone.service.new_inbox(), [phone.account])
    assert phone.retries == []


def test_a_decision_5xx_is_retried_and_lands_once(phone: Phone) -> None:
    created = phone.trigger()
    inbox = phone.service.new_inbox()
    phone.service.refresh(inbox, [phone.account])
    [pending] = inbox.pending
    phone.fault("fail_decisions", status=502, times=1)
    outcome = phone.service.answer(pending, "approve", number=created["number"], inbox=inbox)
    assert outcome.status == "approved"
    assert [n.what for n in phone.retries] == ["decisions"]
    timeline = phone.idp_trace(created["challenge_id"])
    decisions = [e for e in timeline["events"] if e["kind"] == "decision_received"]
    assert [d["http_status"] for d in decisions] == [502, 200]
    assert all(c["passed"] for c in decisions[1]["checks"])
    shown = phone.device_trace(created["challenge_id"], "--json")
    assert shown.returncode == 0
    events = [e["event"] for e in json.loads(shown.stdout)["events"]]
    assert events == ["accepted", "signed", "retry", "signed", "idp_answer"]


def test_a_stream_closed_after_n_events_reconnects_and_catches_up(phone: Phone) -> None:
    phone.fault("close_stream", after_events=1, times=1)
    with Watching(phone) as watching:
        cid = phone.trigger()["challenge_id"]
        watching.wait_for(lambda e: isinstance(e, ChallengeArrived))
        second = phone.trigger()["challenge_id"]
        watching.wait_for(lambda e: isinstance(e, ConnectionChanged) and not e.connected)
        watching.wait_for(
            lambda e: isinstance(e, ChallengeArrived) and e.pending.challenge.challenge_id == second
        )
    assert "close_stream" in _faults_in(phone.idp_trace(second)) + _faults_in(phone.idp_trace(cid))


def test_device_trace_of_an_unknown_challenge(phone: Phone) -> None:
    shown = phone.device_trace("no-such-challenge")
    assert shown.returncode == 1
    assert "no_trace" in shown.stderr
