"""One IdP on several processes sharing one SQLite file: two ``idp serve`` instances of two
gunicorn+gevent workers each, with Redis for events, replay protection and limits.

The same cross-process tests as the PostgreSQL cluster (tests/idp/scale/test_cluster.py), on
SQLite: a stream held by one process gets a challenge made by another, a sign-in and a
recovery finish across instances, and "exactly once" is raced across the four workers (a
decision, a device token, the push cap, a CAS ticket). Writers of the four processes queue on
the database's lock file (idp.sqlite_server), never in SQLite's busy handler.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.idp.scale.test_cluster import (  # noqa: F401 - the tests and fixtures, re-run here
    CAPTCHA,
    authenticator,
    test_a_cas_ticket_validates_once_across_instances,
    test_a_decision_raced_across_instances_lands_once,
    test_a_stream_on_instance_a_gets_a_challenge_made_on_instance_b_within_a_second,
    test_jasmin_recovery_on_b_approved_by_the_app_streaming_from_a,
    test_sign_in_on_b_approved_by_the_app_streaming_from_a,
    test_the_push_cap_holds_across_instances,
    watch,
)
from tests.support.cluster import IdpCluster
from tests.support.redis import RedisServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdpCluster]:
    root = tmp_path_factory.mktemp("sqlite-cluster")
    database = root / "instance" / "idp.sqlite3"
    with (
        RedisServer() as redis,
        IdpCluster(
            database_url=f"sqlite:///{database}",
            redis_url=redis.url,
            instances=2,
            workers=2,
            root=root,
            env={"IDP_TEST_CAPTCHA_ANSWER": CAPTCHA},
        ) as idp,
    ):
        yield idp
