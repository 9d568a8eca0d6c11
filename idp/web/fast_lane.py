"""The machine fast lane: the hottest JSON calls answered without Flask's request machinery.

A device's decision (and, in test mode, the push trigger and status calls that scripts and
benchmarks drive) does little work of its own, and Flask and Werkzeug cost about 120 us of CPU
around each call (request and response objects, URL matching, a dozen hooks, teardown): a
third of the worker's time on the push round trip. The lane is a WSGI layer in front of the
Flask app that answers exactly those calls when they are well formed, and hands everything
else to Flask untouched:

- a call is taken by method and exact path shape (ASCII, no empty segment, no query string
  unless the route reads one); any doubt about the request (a chunked, oversized or non-JSON
  body, an oversized header, an unknown realm, a body that is not what the route expects) hands
  it to Flask *before any work is done*, so Flask's guards answer it exactly as before;
- the route's handler runs the same service code as the Flask view, in an app context (the
  session is removed at its teardown, as after any request);
- once the work has started, an exception is answered by Flask itself: a request context is
  pushed for the same call and Flask's error handlers (the blueprint's included) and
  after-request hooks build the answer, as when the view raised it;
- a success carries what Flask would send: the app's compact JSON and the security headers.

Off under the debug server and when the trace inspector is on (its hooks watch device calls).
``tests/idp/web/test_fast_lane.py`` sends every kind of call both ways and compares the answers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.http import HTTP_STATUS_CODES

# A header field longer than the device API reads goes to Flask, whose guards answer it.
from idp.device_api.limits import MAX_AUTHORIZATION_BYTES, MAX_HEADER_BYTES

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

__all__ = ["Answer", "FastLane", "LaneCall", "LaneRoute", "install_fast_lane", "no_query"]

Answer = tuple[int, Any]
"""A status and the JSON value of the body."""


@dataclass
class LaneCall:
    """One call taken by the lane: its environ, the path's variable segments and its body
    (``b""`` when the route reads none or none was sent)."""

    environ: WSGIEnvironment
    params: tuple[str, ...]
    body: bytes
    json_body: bool
    """Whether the body is declared JSON (``Content-Type``, as Werkzeug's ``is_json``)."""


def no_query(query: str) -> bool:
    """The usual test of a route's query string: there is none."""
    return not query


@dataclass(frozen=True)
class LaneRoute:
    """A call the lane answers: ``method`` and a path ``shape`` (None marks a variable
    segment), read with at most ``max_body`` bytes of body (0: none is read). The handler
    answers, or returns None to hand the call to Flask; it may do so only before any work."""

    method: str
    shape: tuple[str | None, ...]
    handler: Callable[[LaneCall], Answer | None]
    max_body: int = 0
    body_required: bool = False
    query: Callable[[str], bool] = no_query


def _is_json(content_type: str) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def _headers_fit(environ: WSGIEnvironment) -> bool:
    """Whether every header field ("Name: value") is within what the API reads."""
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            size = len(key) - 5 + 2 + len(value)
        elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"}:  # as long as their header names
            size = len(key) + 2 + len(value)
        else:
            continue
        limit = MAX_AUTHORIZATION_BYTES if key == "HTTP_AUTHORIZATION" else MAX_HEADER_BYTES
        if size > limit:
            return False
    return True


class FastLane:
    """The WSGI layer (see the module's docstring); ``inner`` is Flask's own ``wsgi_app``."""

    def __init__(
        self,
        app: Flask,
        inner: WSGIApplication,
        routes: Sequence[LaneRoute],
        extra_headers: Sequence[tuple[str, str]],
    ) -> None:
        self.app = app
        self.inner = inner
        self._routes: dict[tuple[str, int], list[LaneRoute]] = {}
        for route in routes:
            self._routes.setdefault((route.method, len(route.shape)), []).append(route)
        self._extra_headers = list(extra_headers)
        self._dumps = app.json.dumps

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        parts = path.split("/")
        candidates = self._routes.get((environ.get("REQUEST_METHOD", ""), len(parts)))
        if candidates is None or not path.isascii():
            return self.inner(environ, start_response)
        for route in candidates:
            params = _match(route.shape, parts)
            if params is not None:
                return self._take(route, params, environ, start_response)
        return self.inner(environ, start_response)

    def _take(
        self,
        route: LaneRoute,
        params: tuple[str, ...],
        environ: WSGIEnvironment,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        call = _read(route, params, environ)
        if call is None:
            return self.inner(environ, start_response)
        ctx = self.app.app_context()
        ctx.push()
        try:
            answer = route.handler(call)
        except Exception as exc:
            try:
                return self._flask_error(exc, environ, start_response)
            finally:
                ctx.pop(exc)
        except BaseException as exc:  # the greenlet killed, the worker stopping
            ctx.pop(exc)
            raise
        ctx.pop()
        if answer is None:  # handed over before any work: Flask pushes its own context
            return self.inner(environ, start_response)
        status, value = answer
        payload = f"{self._dumps(value, separators=(',', ':'))}\n".encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            *self._extra_headers,
        ]
        start_response(f"{status} {HTTP_STATUS_CODES[status].upper()}", headers)  # as Werkzeug
        return [payload]

    def _flask_error(
        self, exc: Exception, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Flask's answer to ``exc`` raised by the view of this call (``full_dispatch_request``
        and ``wsgi_app``'s own steps), in the lane's app context (its ``g`` included)."""
        app = self.app
        with app.request_context(environ):
            try:
                response = app.finalize_request(app.handle_user_exception(exc))
            except Exception as unhandled:
                response = app.handle_exception(unhandled)
            return response(environ, start_response)


def _read(route: LaneRoute, params: tuple[str, ...], environ: WSGIEnvironment) -> LaneCall | None:
    """The call, its body read; None when Flask is to read it (see the module's docstring)."""
    if not route.query(environ.get("QUERY_STRING", "")) or not _headers_fit(environ):
        return None
    body = b""
    json_body = _is_json(environ.get("CONTENT_TYPE", ""))
    if route.max_body:
        length = _declared_length(environ)
        if length is None or length > route.max_body:
            return None
        if length and json_body:
            body = environ["wsgi.input"].read(length)
            # Flask (a hand-over, an error answer) reads the same bytes again.
            environ["wsgi.input"] = io.BytesIO(body)
            if len(body) != length:  # the client left early: Flask answers that
                return None
    if route.body_required and not body:
        return None
    return LaneCall(environ, params, body, json_body)


def _match(shape: tuple[str | None, ...], parts: list[str]) -> tuple[str, ...] | None:
    params: list[str] = []
    for want, got in zip(shape, parts, strict=True):
        if want is None:
            if not got:
                return None
            params.append(got)
        elif want != got:
            return None
    return tuple(params)


def _declared_length(environ: WSGIEnvironment) -> int | None:
    """The body's declared length (0 when none is sent); None when it is chunked or the
    declaration is not a plain number: Flask reads those."""
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    declared = environ.get("CONTENT_LENGTH", "")
    if not declared:
        return 0
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 9:
        return None
    return int(declared)


def install_fast_lane(app: Flask, routes: Sequence[LaneRoute]) -> None:
    """Put the lane in front of ``app.wsgi_app`` (before any proxy middleware wraps it)."""
    from idp.security.headers import security_headers

    if app.debug or app.config["TRACE"] or not app.config["FAST_LANE"]:
        return
    # What Flask's after-request hooks add to a machine route's JSON answer.
    headers = security_headers(app, page=True)
    app.wsgi_app = FastLane(app, app.wsgi_app, routes, headers)  # type: ignore[method-assign]
