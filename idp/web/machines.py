"""Requests from machines skip the browser's machinery.

The device API (and the test-mode JSON endpoints scripts drive) is called by devices and
programs, not browsers: their calls carry signed, single-use tokens and have their own limits
(idp/device_api/limits.py, the push cap). Two browser mechanisms only cost time there:

- the signed session cookie: a device or a script never sends one, yet Flask would build the
  cookie serializer and an empty session for each call. The machine blueprints' routes get
  Flask's null session (read as empty; writing to it raises, so a view that needed a session
  would fail loudly in the tests);
- Flask-Limiter's per-request hooks: the blueprints are exempt already, but the extension still
  resolves every route's limits before finding that out. Its hooks are wrapped so that exempt
  machine blueprints return at once, except the routes with a limit of their own
  (:data:`LIMITED_MACHINE_ENDPOINTS`, checked against the limiter's own list by a test); every
  other route keeps the limiter exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

__all__ = ["LIMITED_MACHINE_ENDPOINTS", "MACHINE_BLUEPRINTS", "install_machine_paths"]

MACHINE_BLUEPRINTS = frozenset({"device_api", "testmode"})
# Machine routes with a limit of their own (unauthenticated, costly): the limiter's hooks run.
LIMITED_MACHINE_ENDPOINTS = frozenset({"device_api.enroll"})
_DEVICE_API_MARK = "/api/device/"
# The test-mode JSON routes scripts drive most (idp/testmode/views.py): trigger, status, clock.
_TEST_MODE_JSON = ("/_dev/realms/", "/_dev/challenges/", "/_dev/clock")


class _MachineAwareSessions(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # By path: Flask opens the session before it matches the route.
        path = request.path
        if _DEVICE_API_MARK in path or path.startswith(_TEST_MODE_JSON):
            return None  # Flask then uses its null session
        return super().open_session(app, request)


def _unless_machine(hook: Callable[..., Any]) -> Callable[..., Any]:
    def hook_for_browsers(*args: Any) -> Any:
        if (
            request.blueprint in MACHINE_BLUEPRINTS
            and request.endpoint not in LIMITED_MACHINE_ENDPOINTS
        ):
            return args[0] if args else None  # after_request hooks hand the response on
        return hook(*args)

    hook_for_browsers.__wrapped__ = hook  # type: ignore[attr-defined]
    return hook_for_browsers


def _is_limiter_hook(func: Callable[..., Any], limiter: Any) -> bool:
    owner = func.args[0] if isinstance(func, partial) and func.args else None
    return getattr(func, "__self__", None) is limiter or owner is limiter


def install_machine_paths(app: Flask, limiter: Any) -> None:
    """After ``limiter.init_app(app)``: null sessions and no limiter work for machines."""
    app.session_interface = _MachineAwareSessions()
    registries: tuple[dict[Any, list[Any]], ...] = (
        app.before_request_funcs,
        app.after_request_funcs,
    )
    for registry in registries:
        hooks = registry.get(None, [])
        registry[None] = [_unless_machine(f) if _is_limiter_hook(f, limiter) else f for f in hooks]
