"""The in-process broker: events addressed to a device or to all devices of a user."""

from __future__ import annotations

from idp.push.broker import LocalBroker, user_address
from shared.messages import ChallengeHint

DECIDED = ChallengeHint(challenge_id="chl_local_0001", event="decided")
NEW = ChallengeHint(challenge_id="chl_local_0002", event="challenge", challenge="a.b.c")


def test_a_device_event_reaches_only_that_device() -> None:
    broker = LocalBroker()
    with (
        broker.subscribe("dev_a", user_address(1)) as a,
        broker.subscribe("dev_b", user_address(1)) as b,
    ):
        assert broker.publish([("dev_a", NEW)]) == 1
        assert a.get(timeout=0.1) == NEW
        assert b.get(timeout=0.01) is None


def test_a_user_event_reaches_every_device_of_the_user_once() -> None:
    broker = LocalBroker()
    with (
        broker.subscribe("dev_a", user_address(1)) as a,
        broker.subscribe("dev_b", user_address(1)) as b,
        broker.subscribe("dev_c", user_address(2)) as c,
        broker.subscribe("dev_d") as no_user,
    ):
        assert broker.publish([(user_address(1), DECIDED)]) == 2
        assert a.get(timeout=0.1) == DECIDED
        assert b.get(timeout=0.1) == DECIDED
        assert a.get(timeout=0.01) is None
        assert c.get(timeout=0.01) is None
        assert no_user.get(timeout=0.01) is None


def test_addresses_are_released_when_their_last_subscriber_leaves() -> None:
    released: list[str] = []
    broker = LocalBroker(on_last=released.append)
    with broker.subscribe("dev_a", user_address(1)):
        with broker.subscribe("dev_b", user_address(1)):
            pass
        assert released == ["dev_b"]
        assert broker.subscriber_count() == 1
    assert sorted(released) == ["dev_a", "dev_b", user_address(1)]
    assert broker.subscriber_count() == 0
    assert broker.publish([(user_address(1), DECIDED)]) == 0
