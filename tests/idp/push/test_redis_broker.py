"""Challenge events across processes: two RedisBroker objects stand for two workers/instances."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from idp.push.broker import BrokerUnavailable, LocalBroker, SubscriptionLost, user_address
from idp.push.redis_broker import RedisBroker
from idp.scaleout import redis_client
from shared.messages import ChallengeHint
from tests.support.redis import RedisServer, redis_binary

HINT = ChallengeHint(challenge_id="chl_redis_0001", event="decided")


@pytest.fixture
def server() -> Iterator[RedisServer]:
    if redis_binary() is None:
        pytest.fail("redis-server is missing: ./scripts/test installs it")
    with RedisServer() as redis:
        yield redis


@pytest.fixture
def pair(server: RedisServer) -> Iterator[tuple[RedisBroker, RedisBroker]]:
    a, b = RedisBroker(redis_client(server.url)), RedisBroker(redis_client(server.url))
    yield a, b
    a.close()
    b.close()


def test_an_event_published_on_one_instance_reaches_a_stream_held_by_another(
    pair: tuple[RedisBroker, RedisBroker],
) -> None:
    a, b = pair
    with a.subscribe("dev_alpha") as sub:
        # subscribe() returns once Redis confirmed: publishing right away cannot be missed.
        started = time.monotonic()
        b.publish([("dev_alpha", HINT), ("dev_other", HINT)])
        assert sub.get(timeout=1.0) == HINT
        assert time.monotonic() - started < 1.0
        assert sub.get(timeout=0.2) is None  # dev_other's event is not ours


def test_events_with_the_signed_challenge_cross_intact(
    pair: tuple[RedisBroker, RedisBroker],
) -> None:
    a, b = pair
    event = ChallengeHint(challenge_id="chl_redis_0002", event="challenge", challenge="a.b.c")
    with a.subscribe("dev_alpha") as first, a.subscribe("dev_alpha") as second:
        b.publish([("dev_alpha", event)])
        assert first.get(timeout=1.0) == event
        assert second.get(timeout=1.0) == event


def test_the_channel_is_left_when_the_last_stream_closes(
    server: RedisServer, pair: tuple[RedisBroker, RedisBroker]
) -> None:
    a, _ = pair
    client = redis_client(server.url)
    with a.subscribe("dev_alpha"):
        assert client.pubsub_numsub("idp:push:device:dev_alpha")[0][1] == 1
    deadline = time.monotonic() + 2
    while client.pubsub_numsub("idp:push:device:dev_alpha")[0][1] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.pubsub_numsub("idp:push:device:dev_alpha")[0][1] == 0
    with a.subscribe("dev_alpha") as again:  # and joined again for a new stream
        pair[1].publish([("dev_alpha", HINT)])
        assert again.get(timeout=1.0) == HINT


def test_redis_restart_ends_streams_then_service_resumes(
    server: RedisServer, pair: tuple[RedisBroker, RedisBroker]
) -> None:
    a, b = pair
    with a.subscribe("dev_alpha") as sub:
        server.stop()
        with pytest.raises(SubscriptionLost):
            sub.get(timeout=5.0)
    with pytest.raises(BrokerUnavailable):
        b.publish([("dev_alpha", HINT)])
    server.start()
    deadline = time.monotonic() + 15
    while True:
        try:
            with a.subscribe("dev_alpha") as sub:
                b.publish([("dev_alpha", HINT)])
                assert sub.get(timeout=2.0) == HINT
                break
        except BrokerUnavailable:
            assert time.monotonic() < deadline, "the broker did not reconnect"
            time.sleep(0.2)


def test_control_messages_reach_every_process(server: RedisServer) -> None:
    seen: list[str] = []
    a = RedisBroker(redis_client(server.url), control_handler=seen.append)
    b = RedisBroker(redis_client(server.url))
    try:
        a.start()
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            b.broadcast("realm-changed:jasmin")
            time.sleep(0.1)
        assert "realm-changed:jasmin" in seen
    finally:
        a.close()
        b.close()


def test_local_broker_delivers_in_process_and_counts() -> None:
    broker = LocalBroker()
    with broker.subscribe("dev_alpha") as sub:
        assert broker.publish([("dev_alpha", HINT), ("dev_beta", HINT)]) == 1
        assert sub.get(timeout=0.1) == HINT
        broker.lose_all()
        with pytest.raises(SubscriptionLost):
            sub.get(timeout=0.1)
    assert broker.subscriber_count() == 0


def test_an_event_for_a_user_reaches_each_of_their_devices_once_on_any_instance(
    pair: tuple[RedisBroker, RedisBroker],
) -> None:
    a, b = pair
    with (
        a.subscribe("dev_alpha", user_address(7)) as alpha,
        b.subscribe("dev_beta", user_address(7)) as beta,
        a.subscribe("dev_gamma", user_address(8)) as other_user,
    ):
        a.publish([(user_address(7), HINT)])
        assert alpha.get(timeout=1.0) == HINT
        assert beta.get(timeout=1.0) == HINT
        assert alpha.get(timeout=0.2) is None  # once, not once per channel
        assert other_user.get(timeout=0.2) is None


def test_the_user_channel_is_left_with_the_users_last_stream(
    server: RedisServer, pair: tuple[RedisBroker, RedisBroker]
) -> None:
    a, _ = pair
    client = redis_client(server.url)
    with a.subscribe("dev_alpha", user_address(7)):
        with a.subscribe("dev_beta", user_address(7)):
            pass
        assert client.pubsub_numsub("idp:push:user:7") == [(b"idp:push:user:7", 1)]
    deadline = time.monotonic() + 2
    while client.pubsub_numsub("idp:push:user:7")[0][1] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.pubsub_numsub("idp:push:user:7")[0][1] == 0
