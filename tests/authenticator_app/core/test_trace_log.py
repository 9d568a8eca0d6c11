"""The device's trace log: bounded, per challenge, never failing what it observes."""

from __future__ import annotations

from pathlib import Path

from authenticator_app.core.clock import FixedClock
from authenticator_app.core.trace_log import TraceLog, describe_token, trace_log_path


def test_bounded_and_read_per_challenge(tmp_path: Path, clock: FixedClock) -> None:
    log = TraceLog(trace_log_path(tmp_path / "v.bin"), clock=clock, max_entries=5)
    assert log.path.name == "v.bin.trace.jsonl"
    for i in range(8):
        log.record("accepted", account_id="a", challenge_id=f"c{i % 2}", n=i)
    kept = log.entries()
    assert [e["n"] for e in kept] == [3, 4, 5, 6, 7]
    assert [e["n"] for e in log.entries("c1")] == [3, 5, 7]
    assert oct(log.path.stat().st_mode & 0o777) == "0o600"


def test_a_transaction_includes_the_untied_lines_in_between(
    tmp_path: Path, clock: FixedClock
) -> None:
    log = TraceLog(tmp_path / "t.jsonl", clock=clock)
    log.record("retry", account_id="a", challenge_id=None, attempt=0)
    log.record("accepted", account_id="a", challenge_id="c")
    log.record("retry", account_id="a", challenge_id=None, attempt=1)
    log.record("accepted", account_id="a", challenge_id="other")
    log.record("idp_answer", account_id="a", challenge_id="c")
    log.record("retry", account_id="a", challenge_id=None, attempt=2)
    events = [(e["event"], e.get("attempt")) for e in log.transaction("c")]
    assert events == [("accepted", None), ("retry", 1), ("idp_answer", None)]
    assert log.transaction("missing") == []


def test_damaged_lines_are_skipped_and_a_directory_in_the_way_loses_the_line(
    tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('not json\n{"event": "x", "challenge_id": "c"}\n')
    assert [e["event"] for e in TraceLog(path, clock=clock).entries("c")] == ["x"]
    blocked = TraceLog(tmp_path / "dir", clock=clock)
    (tmp_path / "dir").mkdir()
    blocked.record("accepted", account_id="a", challenge_id="c")  # no exception
    assert blocked.entries() == []


def test_describe_token_names_the_pinned_key_or_says_it_is_malformed() -> None:
    assert describe_token("not-a-jws", None) == {"malformed": "message_malformed"}
