"""A small keep-alive HTTP/1.1 client for the benchmarks, duck-typed as ``requests.Session``.

The benchmarks measure servers, and at one request in flight the client's own CPU adds to every
round trip (client and servers share the machine's cores). ``requests`` costs about 0.3-0.5 ms
of Python per call (adapters, hooks, cookie jars, header merging); this client, over the
standard library's ``http.client`` with one persistent connection per host, costs a fraction
of it. Both sides of a side-by-side benchmark use it, so neither is favoured: it shrinks the
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
        raw: http.client.HTTPResponse,
        *,
        stream: bool,
        conn: http.client.HTTPConnection | None = None,
    ) -> None:
        self.status_code = raw.status
        self.headers = {k.lower(): v for k, v in raw.getheaders()}
        self._raw = raw
        self._conn = conn  # a streamed response owns its connection
        self._content: bytes | None = None if stream else raw.read()

    @property
    def content(self) -> bytes:
        if self._content is None:
            self._content = self._raw.read()
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def iter_lines(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Lines of a streamed body, without their end of line (SSE)."""
        while True:
            line = self._raw.readline()
            if not line:
                return
            yield line.rstrip(b"\r\n")

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"HTTP {self.status_code}")

    def close(self) -> None:
        self._raw.close()
        if self._conn is not None:
            self._conn.close()


class LightSession:
    """One persistent connection per (host, port); reconnects once when the server closed it."""

    def __init__(self) -> None:
        self._connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

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
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        for attempt in (1, 2):
            conn = self._connection(key, timeout)
            try:
                conn.sock.settimeout(read_timeout)  # type: ignore[union-attr]
                conn.request(method, target, body=body, headers=sent)
                raw = conn.getresponse()
                response = LightResponse(raw, stream=stream, conn=conn if stream else None)
            except TimeoutError as exc:
                self._drop(key)
                raise requests.Timeout(str(exc)) from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                # A kept-alive connection the server closed meanwhile: once more, afresh.
                if attempt == 1 and isinstance(
                    exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                ):
                    continue
                raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
            if stream:
                # A stream owns its connection; the next call opens another.
                self._connections.pop(key, None)
            elif raw.will_close:
                self._drop(key)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, key: tuple[str, int], timeout: Timeout) -> http.client.HTTPConnection:
        conn = self._connections.get(key)
        if conn is None:
            connect = timeout[0] if isinstance(timeout, tuple) else timeout
            conn = http.client.HTTPConnection(key[0], key[1], timeout=connect)
            try:
                conn.connect()
            except OSError as exc:
                raise requests.ConnectionError(f"{type(exc).__name__}: {exc}") from None
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._connections[key] = conn
        return conn

    def _drop(self, key: tuple[str, int]) -> None:
        conn = self._connections.pop(key, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()
