"""The test-mode clock is one clock for the whole cluster: two real ``idp serve`` instances
(2 gunicorn+gevent workers each) on one PostgreSQL and one Redis."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import requests

from tests.support.cluster import IdpCluster, idp_cluster

pytestmark = pytest.mark.slow

# Each worker keeps the offset at most this long (IDP_CLOCK_CACHE_SECONDS default 1 s) when no
# control message reaches it; the margin is for a loaded test machine.
PROPAGATION_BOUND = 5.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[IdpCluster]:
    with idp_cluster(instances=2, workers=2) as idp:
        yield idp


def _offsets_seen(base_url: str, count: int = 12) -> set[int]:
    """The offset as several fresh connections (so, likely, several workers) see it."""
    seen = set()
    for _ in range(count):
        with requests.Session() as session:
            seen.add(session.get(base_url + "/_dev/clock", timeout=10).json()["offset_seconds"])
    return seen


def _wait_for(base_url: str, offset: int) -> float:
    started = time.monotonic()
    while time.monotonic() - started < PROPAGATION_BOUND:
        if _offsets_seen(base_url) == {offset}:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{base_url} still sees {_offsets_seen(base_url)}, not {offset}")


def test_a_move_on_one_instance_is_seen_by_every_worker_of_the_other(cluster: IdpCluster) -> None:
    a, b = cluster.instances
    moved = requests.post(a.url("/_dev/clock"), json={"seconds": -3600}, timeout=10)
    assert moved.status_code == 200, moved.text
    assert moved.json()["offset_seconds"] == -3600
    _wait_for(b.base_url, -3600)
    _wait_for(a.base_url, -3600)
    now_b = datetime.fromisoformat(requests.get(b.url("/_dev/clock"), timeout=10).json()["now"])
    assert abs(now_b - (datetime.now(UTC) - timedelta(hours=1))) < timedelta(seconds=30)
    assert requests.post(b.url("/_dev/clock"), json={"reset": True}, timeout=10).ok
    _wait_for(a.base_url, 0)


def test_moves_from_both_instances_add_up(cluster: IdpCluster) -> None:
    a, b = cluster.instances
    for instance in (a, b, a, b):
        assert requests.post(instance.url("/_dev/clock"), json={"seconds": 90}, timeout=10).ok
    _wait_for(a.base_url, 360)
    _wait_for(b.base_url, 360)
    requests.post(a.url("/_dev/clock"), json={"reset": True}, timeout=10)
    _wait_for(b.base_url, 0)


def test_a_challenge_made_on_one_instance_expires_by_the_clock_moved_on_the_other(
    cluster: IdpCluster,
) -> None:
    a, b = cluster.instances
    uri = cluster.cli("device", "enroll-uri", "jasmin", "camille.martin").stdout.strip()
    assert uri.startswith("otpauth://")
    # A device must be enrolled for a challenge: the headless authenticator does it.
    with TemporaryDirectory() as folder:
        vault = Path(folder) / "vault.bin"
        env = {"AUTHENTICATOR_PIN": "24681357", "PATH": "/usr/bin:/bin"}
        added = subprocess.run(
            [
                str(Path(sys.executable).parent / "authenticator"),
                "--vault",
                str(vault),
                "add",
                uri,
                "--allow-insecure-http",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert added.returncode == 0, added.stderr
    made = requests.post(
        b.url("/_dev/realms/jasmin/users/camille.martin/challenges"), json={}, timeout=10
    )
    assert made.status_code == 201, made.text
    challenge = made.json()["challenge_id"]
    assert (
        requests.get(a.url(f"/_dev/challenges/{challenge}"), timeout=10).json()["status"]
        == "pending"
    )
    requests.post(a.url("/_dev/clock"), json={"seconds": 600}, timeout=10)
    _wait_for(b.base_url, 600)
    status = requests.get(b.url(f"/_dev/challenges/{challenge}"), timeout=10).json()["status"]
    assert status == "expired"
    requests.post(b.url("/_dev/clock"), json={"reset": True}, timeout=10)
    _wait_for(a.base_url, 0)
