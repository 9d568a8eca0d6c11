"""Single use of token ids: in memory (one process) and in Redis (every process), raced."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from idp.push.replay import LocalReplayGuard, RedisReplayGuard, ReplayGuard, ReplayGuardUnavailable
from idp.scaleout import redis_client
from tests.support.redis import RedisServer, redis_binary
from tests.support.ticks import Ticks


def test_a_jti_is_accepted_once_per_namespace() -> None:
    guard = LocalReplayGuard()
    assert guard.claim("dev_a", "jti-1", 60)
    assert not guard.claim("dev_a", "jti-1", 60)
    assert guard.claim("dev_b", "jti-1", 60)  # another device's token with the same id


def test_forgotten_only_after_it_can_no_longer_verify() -> None:
    ticks = Ticks(1000.0)
    guard = LocalReplayGuard(monotonic=ticks)
    assert guard.claim("d", "j", 90)
    ticks.now += 89
    assert not guard.claim("d", "j", 90)
    ticks.now += 2
    assert guard.claim("d", "j", 90)  # expired ids are forgotten (memory stays bounded)
    for i in range(100):
        guard.claim("d", f"other-{i}", 1)
    ticks.now += 5
    guard.claim("d", "last", 1)
    assert len(guard) == 2  # "j" (91 s) and "last"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    if redis_binary() is None:
        pytest.fail("redis-server is missing: ./scripts/test installs it")
    with RedisServer() as server:
        yield server.url


@pytest.fixture(params=["memory", "redis"])
def guard(request: pytest.FixtureRequest) -> ReplayGuard:
    if request.param == "memory":
        return LocalReplayGuard()
    return RedisReplayGuard(redis_client(request.getfixturevalue("redis_url")))


def test_racing_threads_accept_a_jti_exactly_once(guard: ReplayGuard) -> None:
    start = threading.Barrier(16)
    results: list[bool] = []

    def claim() -> None:
        start.wait()
        results.append(guard.claim("dev_race", "the-same-jti", 60))

    threads = [threading.Thread(target=claim) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
    assert len(results) == 16


def test_two_processes_share_redis_claims(redis_url: str) -> None:
    # Two guards, two connection pools: what two workers or two instances would hold.
    first, second = (
        RedisReplayGuard(redis_client(redis_url)),
        RedisReplayGuard(redis_client(redis_url)),
    )
    assert first.claim("dev", "shared-jti", 60)
    assert not second.claim("dev", "shared-jti", 60)


def test_redis_down_refuses_instead_of_guessing() -> None:
    server = RedisServer()
    with server:
        guard = RedisReplayGuard(redis_client(server.url))
        assert guard.claim("dev", "before", 60)
        server.stop()
        with pytest.raises(ReplayGuardUnavailable):
            guard.claim("dev", "during", 60)
        server.start()
        assert guard.claim("dev", "after", 60)
