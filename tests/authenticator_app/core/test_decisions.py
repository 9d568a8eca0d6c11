from __future__ import annotations

from datetime import datetime

import pytest

from authenticator_app.core.decisions import DecisionOutcome, decision_number
from authenticator_app.core.errors import NumberInvalid, NumberMissing, NumberNotOffered
from tests.authenticator_app.factories import Realm


def test_typed_approve_needs_a_number(realm: Realm, fixed_now: datetime) -> None:
    _, challenge = realm.challenge(fixed_now, mode="typed")
    assert decision_number(challenge, "approve", 42) == 42
    assert decision_number(challenge, "approve", 7) == 7  # the IdP decides whether it is right
    with pytest.raises(NumberMissing):
        decision_number(challenge, "approve", None)


@pytest.mark.parametrize("number", [-1, 100, 1000])
def test_number_range(realm: Realm, fixed_now: datetime, number: int) -> None:
    _, challenge = realm.challenge(fixed_now, mode="typed")
    with pytest.raises(NumberInvalid):
        decision_number(challenge, "approve", number)


def test_choose_needs_one_of_the_choices(realm: Realm, fixed_now: datetime) -> None:
    _, challenge = realm.challenge(fixed_now, mode="choose", choices=[12, 47, 83])
    assert decision_number(challenge, "approve", 47) == 47
    with pytest.raises(NumberNotOffered):
        decision_number(challenge, "approve", 48)


def test_none_mode_sends_no_number(realm: Realm, fixed_now: datetime) -> None:
    _, challenge = realm.challenge(fixed_now, mode="none")
    assert decision_number(challenge, "approve", 42) is None
    assert decision_number(challenge, "approve", None) is None


@pytest.mark.parametrize("decision", ["deny", "report"])
def test_deny_and_report_carry_no_number(realm: Realm, fixed_now: datetime, decision: str) -> None:
    _, challenge = realm.challenge(fixed_now, mode="typed")
    assert decision_number(challenge, decision, 42) is None  # type: ignore[arg-type]


def test_outcome_succeeded() -> None:
    assert DecisionOutcome("c", "approve", "approved").succeeded
    assert DecisionOutcome("c", "report", "reported").succeeded
    assert not DecisionOutcome("c", "approve", "denied").succeeded
