"""SSE hints, the pending list, and the error body."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.errors import ERROR_CODES, MessageExpired
from shared.messages import ChallengeHint, ErrorBody, PendingList
from shared.version import PROTOCOL_VERSION


@pytest.mark.parametrize("event", ["superseded", "decided", "expired"])
def test_hint_events(event: str) -> None:
    hint = ChallengeHint(challenge_id="chl_8c1d44e0a9", event=event)  # type: ignore[arg-type]
    assert ChallengeHint.from_json(hint.to_json()) == hint
    assert hint.to_json_dict() == {
        "challenge_id": "chl_8c1d44e0a9",
        "event": event,
        "v": PROTOCOL_VERSION,
    }


def test_challenge_event_carries_the_signed_challenge() -> None:
    hint = ChallengeHint(challenge_id="chl_8c1d44e0a9", event="challenge", challenge="a.b.c")
    assert ChallengeHint.from_json(hint.to_json()) == hint
    assert hint.to_json_dict()["challenge"] == "a.b.c"


@pytest.mark.parametrize(
    ("event", "challenge"),
    [("challenge", None), ("decided", "a.b.c"), ("challenge", "not a token")],
    ids=["challenge without token", "token on another event", "not a token"],
)
def test_the_token_travels_only_with_a_challenge_event(event: str, challenge: Any) -> None:
    with pytest.raises(ValidationError):
        ChallengeHint(challenge_id="chl_8c1d44e0a9", event=event, challenge=challenge)  # type: ignore[arg-type]


def test_hint_refuses_unknown_events() -> None:
    with pytest.raises(ValidationError):
        ChallengeHint(challenge_id="chl_8c1d44e0a9", event="approved")  # type: ignore[arg-type]


def test_pending_list_holds_compact_tokens() -> None:
    listing = PendingList(challenges=["eyJh.eyJ2.c2ln", "a.b.c"])
    assert PendingList.from_json(listing.to_json()) == listing
    assert PendingList(challenges=[]).challenges == []


@pytest.mark.parametrize(
    "challenges",
    [["not a token"], ["a.b"], ["a.b.c.d"], ["a.b.c"] * 33, ["a." + "b" * 16384 + ".c"], [7]],
    ids=["text", "two parts", "four parts", "too many", "too long", "not a string"],
)
def test_pending_list_refuses_non_tokens(challenges: list[Any]) -> None:
    with pytest.raises(ValidationError):
        PendingList(challenges=challenges)


def test_error_body_from_a_protocol_error() -> None:
    body = ErrorBody.from_error(MessageExpired("expired at 2026-11-24T09:31:00+00:00"))
    assert body.to_json_dict() == {
        "error": "message_expired",
        "message": "expired at 2026-11-24T09:31:00+00:00",
        "v": PROTOCOL_VERSION,
    }


@pytest.mark.parametrize("code", [*ERROR_CODES, "challenge_expired", "number_mismatch"])
def test_error_body_takes_protocol_and_idp_codes(code: str) -> None:
    assert ErrorBody(error=code).error == code


@pytest.mark.parametrize("code", ["", "Not-A-Code", "x" * 65, "with space"])
def test_error_body_refuses_odd_codes(code: str) -> None:
    with pytest.raises(ValidationError):
        ErrorBody(error=code)
