"""The process-spanning services, chosen by configuration (DESIGN.md §2).

Without ``IDP_REDIS_URL`` everything stays in the process: the push broker, the ``jti`` replay
guard and the mail idempotency keys (the CLI refuses several workers then). With it, the same
interfaces are backed by Redis so any number of workers and ``idp serve`` instances act as one
IdP: challenge events by pub/sub (one channel per device), ``jti`` single use by ``SET NX``,
mail keys by ``SET NX`` locks, and Flask-Limiter's counters in Redis (its storage URI).
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Any

from flask import Flask

from idp.push.broker import Broker, LocalBroker
from idp.push.replay import LocalReplayGuard, ReplayGuard
from idp.realms.cache import RealmCache

__all__ = ["install_scale_out", "redis_client"]


def redis_client(url: str) -> Any:
    import redis

    # Short timeouts: an unreachable Redis must give a quick 503, not a hung worker.
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
        retry_on_timeout=False,
    )


def install_scale_out(app: Flask) -> None:
    from idp.realms.store import load_realm_ref, load_realm_row

    ttl = float(app.config.get("REALM_CACHE_SECONDS", 5))
    cache, rows = RealmCache(load_realm_ref, ttl=ttl), RealmCache(load_realm_row, ttl=ttl)
    clock = _test_mode_clock(app)
    broker: Broker
    replay: ReplayGuard
    url = app.config.get("REDIS_URL")
    if url:
        from idp.mail.idempotency import RedisSentKeys
        from idp.push.redis_broker import RedisBroker
        from idp.push.replay import RedisReplayGuard

        client = redis_client(str(url))
        handlers: list[Callable[[str], None]] = [cache.on_control, rows.on_control]
        handlers += [clock.on_control] if clock is not None else []
        redis_broker = RedisBroker(client, control_handler=_fan_out(handlers))
        atexit.register(redis_broker.close)
        broker, replay = redis_broker, RedisReplayGuard(client)
        app.extensions["idp.redis"] = client
        mailer = app.extensions.get("idp.mailer")
        if mailer is not None:
            mailer.sent_keys = RedisSentKeys(client)
        if clock is not None:
            from idp.testmode.clock import RedisOffsetStore

            clock.store, clock.notify = RedisOffsetStore(client), redis_broker.broadcast
    else:
        broker, replay = LocalBroker(), LocalReplayGuard()
    app.extensions["idp.realm_cache"] = cache
    app.extensions["idp.realm_rows"] = rows
    app.extensions["idp.broker"] = broker
    app.extensions["idp.replay"] = replay


def _test_mode_clock(app: Flask) -> Any:
    """Test mode without a configured clock: the two-way clock every process shares
    (idp.testmode.clock); its store moves to Redis below when scaled out."""
    from idp.clock import SystemClock

    if not app.config.get("TEST_MODE") or not isinstance(app.extensions["idp.clock"], SystemClock):
        return None
    from idp.testmode.clock import LocalOffsetStore, SharedClock

    clock = SharedClock(LocalOffsetStore(), ttl=float(app.config.get("CLOCK_CACHE_SECONDS", 1)))
    app.extensions["idp.clock"] = clock
    return clock


def _fan_out(handlers: list[Callable[[str], None]]) -> Callable[[str], None]:
    def handle(message: str) -> None:
        for handler in handlers:
            handler(message)

    return handle
