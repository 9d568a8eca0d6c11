"""A small keep-alive HTTP/1.1 client for the benchmarks, duck-typed as ``requests.Session``.

The benchmarks measure servers, and at one request in flight the client's own CPU adds to every
round trip (client and servers share the machine's cores). ``requests`` costs about 0.3-0.5 ms
of Python per call (adapters, hooks, cookie jars, header merging), the standard library's
``http.client`` about 135 us (its header parsing goes through ``email``); this client writes
the request in one ``sendall`` on a persistent socket per host and reads the answer with a
minimal HTTP/1.1 parser (status line, headers, ``Content-Length`` or chunked body), a few tens
of microseconds. Streamed responses (server-sent events) still go through ``http.client``.
Both sides of a side-by-side benchmark use it, so neither is favoured: it shrinks the
instrument, not a contestant.

Only what the benchmarks use: ``get``/``post``/``request`` with ``params``, ``data`` (form),
``json`` and ``headers``; responses with ``status_code``, ``text``, ``content``, ``json()`` and
``headers``; ``stream=True`` for server-sent events (``iter_lines()``). Errors are raised as
``requests.ConnectionError``/``requests.Timeout`` so callers keep catching
``requests.RequestException``. No TLS, no redirects, no cookies: loopback servers only.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import socket
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import requests

__all__ = ["LightResponse", "LightSession"]

Timeout = float | tuple[float, float] | None


class LightResponse:
    def __init__(
        self,
        status_code: int,
        headers: dict[str, str],
        *,
        content: bytes | None = None,
        raw: http.client.HTTPResponse | None = None,
        conn: http.client.HTTPConnection | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers  # lower-case names; the last value of a repeated header
        self._raw = raw  # a streamed response reads from it
        self._conn = conn  # and owns its connection
        self._content = content

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self._raw.read() if self._raw is not None else b""
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def iter_lines(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Lines of a streamed body, without their end of line (SSE)."""
        if self._raw is None:
            yield from self.content.splitlines()
            return
        while True:
            line = self._raw.readline()
            if not line:
                return
            yield line.rstrip(b"\r\n")

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"HTTP {self.status_code}")

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
        if self._conn is not None:
            self._conn.close()


class _Closed(ConnectionResetError):
    """The server closed a kept-alive connection before answering."""


class _Socket:
    """One kept-alive HTTP/1.1 connection: a request in one ``sendall``, a minimal reader."""

    def __init__(self, host: str, port: int, timeout: float | None) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.host = f"{host}:{port}"
        self.buffer = b""

    def exchange(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: float | None,
    ) -> tuple[int, dict[str, str], bytes, bool]:
        """(status, headers, body, the server will close) of one request."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.sock.settimeout(timeout)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = self._until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        found: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            found[name.strip().lower()] = value.strip()
        if method == "HEAD" or status in {204, 304} or 100 <= status < 200:
            content = b""
        elif "chunked" in found.get("transfer-encoding", "").lower():
            content = self._chunked()
        elif "content-length" in found:
            content = self._exactly(int(found["content-length"]))
        else:  # the body ends with the connection
            content = self.buffer + self._rest()
            self.buffer = b""
            return status, found, content, True
        return status, found, content, found.get("connection", "").lower() == "close"

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _Closed("the server closed the connection")
        self.buffer += chunk

    def _until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._fill()
        found, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return found

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        found, self.buffer = self.buffer[:n], self.buffer[n:]
        return found

    def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._until(b"\r\n").split(b";", 1)[0], 16)
            if size == 0:
                self._until(b"\r\n")  # no trailers are sent to these clients
                return b"".join(parts)
            parts.append(self._exactly(size))
            self._exactly(2)

    def _rest(self) -> bytes:
        parts = []
        while chunk := self.sock.recv(65536):
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        self.sock.close()


class LightSession:
    """One persistent connection per (host, port); reconnects once when the server closed it."""

    def __init__(self) -> None:
        self._sockets: dict[tuple[str, int], _Socket] = {}

    def get(self, url: str, **kwargs: Any) -> LightResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> LightResponse:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout = None,
        stream: bool = False,
        verify: bool = True,
    ) -> LightResponse:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise requests.ConnectionError(f"LightSession speaks plain http only: {url}")
        target = parts.path or "/"
        query = parts.query
        if params:
            extra = urllib.parse.urlencode(params)
            query = f"{query}&{extra}" if query else extra
        if query:
            target += "?" + query
        body: bytes | None = None
        sent = {"Accept-Encoding": "identity", **(headers or {})}
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if body is not None or method in {"POST", "PUT", "PATCH"}:
            sent["Content-Length"] = str(len(body or b""))
        key = (parts.hostname, parts.port or 80)
        connect = timeout[0] if isinstance(timeout, tuple) else timeout
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        if stream:
            return self._stream(key, method, target, body, sent, connect, read_timeout)
        for attempt in (1, 2):
            fresh = key not in self._sockets
            try:
                conn = self._socket(key, connect)
                status, found, content, closing = conn.exchange(
                    method, target, sent, body, read_timeout
                )
            except TimeoutError as exc:
                self._drop(key)
                raise requests.Timeout(str(exc)) from None
            except (OSError, ValueError, IndexError) as exc:
                self._drop(key)
                # A kept-alive connection the server closed meanwhile: once more, afresh.
                if attempt == 1 and not fresh and isinstance(exc, ConnectionError):
                    continue
                raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
            if closing:
                self._drop(key)
            return LightResponse(status, found, content=content)
        raise AssertionError("unreachable")  # pragma: no cover

    def _stream(  # noqa: PLR0917 - the request's parts, as request() has them
        self,
        key: tuple[str, int],
        method: str,
        target: str,
        body: bytes | None,
        sent: Mapping[str, str],
        connect: float | None,
        read_timeout: float | None,
    ) -> LightResponse:
        """A streamed response (SSE) on a connection of its own, through ``http.client``."""
        conn = http.client.HTTPConnection(key[0], key[1], timeout=connect)
        try:
            conn.connect()
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sock.settimeout(read_timeout)
            conn.request(method, target, body=body, headers=dict(sent))
            raw = conn.getresponse()
        except TimeoutError as exc:
            conn.close()
            raise requests.Timeout(str(exc)) from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
        found = {k.lower(): v for k, v in raw.getheaders()}
        return LightResponse(raw.status, found, raw=raw, conn=conn)

    def _socket(self, key: tuple[str, int], timeout: float | None) -> _Socket:
        conn = self._sockets.get(key)
        if conn is None:
            conn = self._sockets[key] = _Socket(key[0], key[1], timeout)
        return conn

    def _drop(self, key: tuple[str, int]) -> None:
        conn = self._sockets.pop(key, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for conn in self._sockets.values():
            conn.close()
        self._sockets.clear()
