"""``./scripts/cluster``: PostgreSQL, Redis, two ``idp serve`` and HAProxy, stopped by Ctrl-C.

The script runs as a user would run it; the test reads the URL it prints, goes through the
load balancer (round robin over both instances, test-mode routes), sends SIGINT and checks that
every process it started is gone and its temp dir removed.
"""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300  # PostgreSQL, Redis, init-demo, two gunicorns: slow on a loaded 2-core box


def descendants(pid: int) -> set[int]:
    """Every live process whose parent chain leads to ``pid``."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def processes_mentioning(text: str) -> set[int]:
    """Live processes whose command line contains ``text`` (pg_ctl's daemonized postgres)."""
    found = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes():
                status = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if status != "Z":
                    found.add(int(cmdline.parent.name))
        except (OSError, IndexError):
            continue
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def restore_sigint() -> None:
    # A shell cannot trap a signal ignored when it started (as in a background job): the
    # script must see Ctrl-C as a terminal would deliver it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_cluster_script_serves_through_haproxy_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    stderr = (tmp_path / "cluster.err").open("wb")
    proc = subprocess.Popen(
        [
            str(ROOT / "scripts" / "cluster"),
            "--port",
            str(port),
            "--instances",
            "2",
            "--workers",
            "1",
            "--test-mode",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        preexec_fn=restore_sigint,  # noqa: PLW1509 - only resets a signal, no locks
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    printed: list[str] = []
    try:
        base_url = work = database_url = None
        deadline = time.monotonic() + START_TIMEOUT
        while (base_url is None or work is None) and time.monotonic() < deadline:
            if proc.poll() is not None and lines.empty():
                break
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            printed.append(line)
            if match := re.search(r"Load balancer \(HAProxy\): (\S+?)/?$", line):
                base_url = match.group(1)
            if match := re.search(r"PostgreSQL:\s+(\S+)", line):
                database_url = match.group(1)
            if match := re.search(r"Data and logs:\s+(\S+)", line):
                work = Path(match.group(1))
        output = "".join(printed) + (tmp_path / "cluster.err").read_text(errors="replace")
        assert base_url == f"http://127.0.0.1:{port}", output
        assert work is not None, output
        assert work.is_dir(), output
        assert "camille.martin" in output  # the demo accounts are listed

        served_by = set()
        for _ in range(4):
            resp = requests.get(base_url + "/", timeout=10)
            assert resp.status_code == 200, output
            served_by.add(resp.headers.get("X-Served-By"))
        assert served_by == {"idp1", "idp2"}  # round robin over both instances
        login = requests.get(base_url + "/realms/uphf/login", timeout=10)
        assert login.status_code == 200
        assert requests.get(base_url + "/_dev/mail", timeout=10).status_code == 200

        # The IdP trusts HAProxy's X-Forwarded-For (IDP_PROXY_COUNT=1), not the client's.
        http = requests.Session()
        page = http.get(base_url + "/realms/uphf/login", timeout=10)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        wrong = http.post(
            base_url + "/realms/uphf/login",
            data={"csrf_token": csrf.group(1), "identifier": "lea.dubois", "password": "nope"},
            headers={"X-Forwarded-For": "203.0.113.9"},
            timeout=10,
        )
        assert wrong.status_code == 200, output
        assert database_url is not None, output
        audit = subprocess.run(
            [str(Path(sys.executable).parent / "idp"), "audit", "--realm", "uphf", "--json"],
            env={
                "PATH": "/usr/bin:/bin",
                "IDP_DATABASE_URL": database_url,
                "IDP_TEST_MODE": "1",
                "IDP_INSTANCE_PATH": str(tmp_path),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        [event] = [
            json.loads(row)
            for row in audit.stdout.splitlines()
            if '"sign_in"' in row and "lea.dubois" in row
        ]
        assert event["ip"] == "127.0.0.1", event

        started = descendants(proc.pid) | processes_mentioning(str(work))
        assert len(started) >= 5, started  # redis, 2 gunicorn masters (+ workers), haproxy, pg
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        stderr.close()
    err = (tmp_path / "cluster.err").read_text(errors="replace")
    assert rc == 130, err
    assert "stopped; nothing left running" in err
    assert not processes_mentioning(str(work)), err
    assert not {pid for pid in started if alive(pid)}, err
    assert not work.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(base_url + "/", timeout=2)
