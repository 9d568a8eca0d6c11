"""PushDecision: the number travels only with an approval, and fits the matching mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.errors import MessageMalformed
from shared.jws import sign, verify
from shared.messages import PushDecision

Wire = Any


@pytest.mark.parametrize("decision", ["deny", "report"])
def test_deny_and_report_carry_no_number(
    make_decision: Callable[..., PushDecision], decision: str
) -> None:
    assert make_decision(decision=decision, number=None).number is None
    with pytest.raises(ValidationError, match="carries no number"):
        make_decision(decision=decision, number=42)


@pytest.mark.parametrize("number", [-1, 100, "42", 4.2, True])
def test_number_is_an_integer_0_to_99(
    make_decision: Callable[..., PushDecision], number: Any
) -> None:
    with pytest.raises(ValidationError):
        make_decision(number=number)


def test_decision_is_closed(make_decision: Callable[..., PushDecision]) -> None:
    with pytest.raises(ValidationError):
        make_decision(decision="maybe")


@pytest.mark.parametrize(
    ("mode", "number", "ok"),
    [
        ("typed", 42, True),
        ("typed", None, False),
        ("choose", 7, True),
        ("choose", None, False),
        ("none", None, True),
        ("none", 42, False),
    ],
)
def test_check_matching_mode_for_approvals(
    make_decision: Callable[..., PushDecision], mode: Any, number: int | None, ok: bool
) -> None:
    decision = make_decision(number=number)
    if ok:
        decision.check_matching_mode(mode)
    else:
        with pytest.raises(MessageMalformed):
            decision.check_matching_mode(mode)


@pytest.mark.parametrize("mode", ["typed", "choose", "none"])
def test_check_matching_mode_accepts_any_refusal(
    make_decision: Callable[..., PushDecision], mode: Any
) -> None:
    make_decision(decision="report", number=None).check_matching_mode(mode)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    decision=st.sampled_from(["approve", "deny", "report"]),
    number=st.integers(0, 99),
    lifetime=st.integers(1, 300),
)
def test_generated_decisions_round_trip_through_jws(
    make_decision: Callable[..., PushDecision],
    device_key: Any,
    *,
    wire: Wire,
    now: datetime,
    decision: str,
    number: int,
    lifetime: int,
) -> None:
    message = make_decision(
        decision=decision,
        number=number if decision == "approve" else None,
        exp=make_decision().iat + lifetime,
    )
    token = sign(message, device_key, wire.device_id)
    verified = verify(
        token,
        keys={wire.device_id: device_key.public_key()},
        model=PushDecision,
        audience=wire.realm_url,
        issuer=wire.device_id,
        now=now,
        leeway=timedelta(0),
    )
    assert verified == message
