"""``tests/support/cluster.py``: two real ``idp serve`` on one PostgreSQL and one Redis.

The multi-process tests stand on this helper; here it must show that the instances really act
as one IdP (a session opened on A is valid on B) and that stopping leaves no process behind.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.support.cluster import idp_cluster

pytestmark = pytest.mark.slow


def processes_in_group(pgid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def sign_in(http: requests.Session, base: str, realm: str, user: str, password: str) -> int:
    page = http.get(f"{base}/realms/{realm}/login", timeout=10)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert match, page.text[:500]
    resp = http.post(
        f"{base}/realms/{realm}/login",
        data={"csrf_token": match.group(1), "identifier": user, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    return resp.status_code


def test_two_instances_act_as_one_idp_and_stop_completely() -> None:
    with idp_cluster(instances=2, workers=1) as cluster:
        a, b = cluster.instances
        assert a.port != b.port
        assert cluster.base_url == a.base_url
        groups = [instance.process.pid for instance in cluster.instances if instance.process]
        assert all(processes_in_group(pgid) for pgid in groups)
        http = requests.Session()
        assert sign_in(http, a.base_url, "uphf", "lea.dubois", "Valenciennes@2025") == 302, (
            cluster.logs()
        )
        # Same secret, same database: B knows the session A opened.
        profile = http.get(b.url("/realms/uphf/profile"), allow_redirects=False, timeout=10)
        assert profile.status_code == 200, cluster.logs()
        assert "lea.dubois" in profile.text
        # Test mode is on for every instance (loopback only).
        assert http.get(b.url("/_dev/mail"), timeout=10).status_code == 200
        listed = cluster.cli("realm", "list")
        assert "uphf" in listed.stdout
        root = cluster.root
    assert not root.exists()
    leftovers = {pgid: processes_in_group(pgid) for pgid in groups}
    assert leftovers == {pgid: [] for pgid in groups}
