"""The benchmarks' light HTTP client reads what a real server sends, keeps its connection, and
reports failures as ``requests`` would."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from bench_http import LightSession


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: set[int] = set()  # noqa: RUF012 - shared by the test's handlers

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).connections.add(id(self.connection))
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/close"):
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
        elif self.path.startswith("/empty"):
            self.send_response(204)
            self.end_headers()
        else:
            body = f'{{"path": "{self.path}"}}'.encode()
            self.send_response(302 if self.path.startswith("/moved") else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Location", "/realms/jasmin/profile")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        answer = b"%s|%s|%s" % (
            self.headers["Content-Type"].encode(),
            self.headers.get("Cookie", "").encode(),
            body,
        )
        self.send_response(201)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_bodies_headers_and_one_kept_connection(server: str) -> None:
    _Handler.connections.clear()
    session = LightSession()
    first = session.get(f"{server}/a", params={"x": "1 2"}, timeout=5)
    assert first.status_code == 200
    assert first.json() == {"path": "/a?x=1+2"}
    moved = session.get(f"{server}/moved", timeout=5)
    assert moved.status_code == 302
    assert moved.headers["location"] == "/realms/jasmin/profile"
    assert session.get(f"{server}/chunked", timeout=5).text == "hello chunked world"
    assert session.get(f"{server}/empty", timeout=5).content == b""
    posted = session.post(
        f"{server}/form", data={"code": "123456"}, headers={"Cookie": "s=1"}, timeout=5
    )
    assert posted.status_code == 201
    assert posted.content == b"application/x-www-form-urlencoded|s=1|code=123456"
    assert session.post(f"{server}/j", json={"a": 1}, timeout=5).content.endswith(b'{"a": 1}')
    assert len(_Handler.connections) == 1  # keep-alive: every request on one connection


def test_a_body_that_ends_with_the_connection_and_a_new_connection_after_it(server: str) -> None:
    session = LightSession()
    assert session.get(f"{server}/close", timeout=5).text == "until the end"
    assert session.get(f"{server}/after", timeout=5).json() == {"path": "/after"}


def test_nobody_listening_is_a_connection_error() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        LightSession().get(f"http://127.0.0.1:{port}/", timeout=2)
    with pytest.raises(requests.ConnectionError, match="plain http only"):
        LightSession().get("https://127.0.0.1/", timeout=2)
