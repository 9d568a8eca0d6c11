"""Redis restarted, PostgreSQL restarted, under two real ``idp serve`` sharing them.

While a server is away, requests get the IdP's clear 503 (``Retry-After``; the device sees the
stable code ``service_unavailable``); when it is back, service resumes by itself: the device's
stream reconnects and the next challenge created on the other instance reaches it.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.support.cluster import IdpCluster
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer

pytestmark = pytest.mark.slow

UNAVAILABLE = "Service momentanément indisponible"


class Watcher:
    """``authenticator watch --json`` in the background, its output in a file."""

    def __init__(self, auth: HeadlessAuthenticator, log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            auth._cmd("watch", "--json"), env=auth.env(), stdout=self._out, stderr=subprocess.STDOUT
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def challenges(self) -> list[str]:
        found = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                event = json.loads(line)
                if event.get("event") == "challenge":
                    found.append(event["challenge_id"])
        return found

    def wait_for(self, predicate: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if predicate in self.text():
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._out.close()


@pytest.fixture
def servers() -> Iterator[tuple[PostgresServer, RedisServer, IdpCluster]]:
    with (
        PostgresServer() as pg,
        RedisServer() as redis,
        IdpCluster(database_url=pg.url, redis_url=redis.url, instances=2) as cluster,
    ):
        yield pg, redis, cluster


def trigger(cluster: IdpCluster, instance: int) -> requests.Response:
    url = cluster.instances[instance].url("/_dev/realms/jasmin/users/camille.martin/challenges")
    return requests.post(url, json={}, timeout=30)


def wait_until_ok(url: str, seconds: float) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        resp = requests.get(url, timeout=10)
        if resp.status_code == 200 or time.monotonic() > deadline:
            return resp
        time.sleep(0.5)


def test_restarts_answer_503_then_service_resumes_by_itself(
    servers: tuple[PostgresServer, RedisServer, IdpCluster], tmp_path: Path
) -> None:
    pg, redis, cluster = servers
    a, b = cluster.instances
    uri = cluster.cli("device", "enroll-uri", "jasmin", "camille.martin").stdout
    auth = HeadlessAuthenticator(tmp_path / "vault.bin")
    added = auth.run("add", uri.strip().splitlines()[-1])
    assert added.returncode == 0, added.stderr + cluster.logs()
    watcher = Watcher(auth, tmp_path / "watch.log")  # on A: IDP_BASE_URL is A's URL
    try:
        assert watcher.wait_for("listening for", 30), watcher.text()
        first = trigger(cluster, 1)
        assert first.status_code == 201, first.text
        assert watcher.wait_for(first.json()["challenge_id"], 10), watcher.text()

        # -- Redis away: a clear 503 for pages and the device, then back by itself -----------
        http = requests.Session()
        page = http.get(a.url("/realms/uphf/login"), timeout=10)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        redis.stop()
        refused = http.post(
            a.url("/realms/uphf/login"),
            data={"csrf_token": csrf.group(1), "identifier": "lea.dubois", "password": "x"},
            timeout=30,
        )
        assert refused.status_code == 503, refused.text[:300]
        assert refused.headers["Retry-After"] == "5"
        assert UNAVAILABLE in refused.text
        assert "Traceback" not in refused.text
        # The device's stream ended; its reconnection meets the stable error code.
        assert watcher.wait_for("[service_unavailable]", 30), watcher.text()
        redis.start()
        after_redis = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            after_redis = trigger(cluster, 1)
            if after_redis.status_code == 201:
                break
            time.sleep(0.5)
        assert after_redis is not None, cluster.logs()
        assert after_redis.status_code == 201, after_redis.text[:300] + cluster.logs()
        assert watcher.wait_for(after_redis.json()["challenge_id"], 20), watcher.text()

        # -- PostgreSQL restarted: a clear 503, then the pools reconnect by themselves ---------
        pg.stop()
        down = requests.get(b.url("/realms/uphf/login"), timeout=30)
        assert down.status_code == 503, down.text[:300]
        assert down.headers["Retry-After"] == "5"
        assert UNAVAILABLE in down.text
        assert requests.get(b.url("/healthz"), timeout=10).status_code == 200
        pg.start()
        for instance in (a, b):
            back = wait_until_ok(instance.url("/realms/uphf/login"), 30)
            assert back.status_code == 200, back.text[:300] + cluster.logs()
        after_pg = trigger(cluster, 1)
        assert after_pg.status_code == 201, after_pg.text[:300] + cluster.logs()
        assert watcher.wait_for(after_pg.json()["challenge_id"], 30), watcher.text()
    finally:
        watcher.stop()
