"""A stalled client holds nothing: a decision whose body arrives late delays nobody else.

Against a real ``idp serve`` (gunicorn + gevent, SQLite): the IdP reads and checks the whole
body of ``POST .../decisions`` before it touches the database, and writers of one process wait
for each other cooperatively (idp.sqlite_server), never inside SQLite's busy handler.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.authenticator import HeadlessAuthenticator
from tests.e2e.conftest import LiveIdp, start_idp, stop_idp

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveIdp]:
    idp = start_idp(tmp_path_factory.mktemp("idp"))
    yield idp
    stop_idp(idp)


def enroll(live: LiveIdp, user: str, vault: Path) -> HeadlessAuthenticator:
    uri = live.cli("device", "enroll-uri", "jasmin", user).stdout.strip().splitlines()[-1]
    auth = HeadlessAuthenticator(vault)
    added = auth.run("add", uri)
    assert added.returncode == 0, added.stderr
    return auth


def test_a_late_decision_body_does_not_delay_another_users_trigger(
    live: LiveIdp, tmp_path: Path
) -> None:
    enroll(live, "camille.martin", tmp_path / "camille.bin")
    address = urlsplit(live.base_url)
    body = json.dumps({"decision": "x" * 200}).encode()
    slow = socket.create_connection((address.hostname, address.port), timeout=30)
    try:
        slow.sendall(
            b"POST /realms/jasmin/api/device/v1/decisions HTTP/1.1\r\n"
            + f"Host: {address.netloc}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.3)  # the IdP is now waiting for the rest of the body
        started = time.monotonic()
        resp = requests.post(
            live.url("/_dev/realms/jasmin/users/camille.martin/challenges"), json={}, timeout=30
        )
        took = time.monotonic() - started
        assert resp.status_code == 201, resp.text
        assert took < 2.0, f"another user's trigger waited {took:.2f} s behind a stalled body"
        time.sleep(1.0)
        slow.sendall(body[10:])
        answer = _read_response(slow)
    finally:
        slow.close()
    assert answer.startswith("HTTP/1.1 4"), answer[:200]  # a garbage decision, refused cleanly
    assert "message_malformed" in answer or "signature" in answer


def _read_response(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        rest += sock.recv(4096)
    return (head + b"\r\n\r\n" + rest).decode(errors="replace")
