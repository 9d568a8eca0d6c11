"""Machine requests (device API, test-mode JSON) skip the session cookie and the limiter."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import NullSession
from flask.testing import FlaskClient

from idp import create_app
from idp.extensions import limiter
from idp.web.machines import _is_limiter_hook
from tests.idp.conftest import make_config


def test_both_limiter_hooks_are_wrapped(tmp_path: Path, database_url: str) -> None:
    # If a Flask-Limiter release changes how it hooks in, this fails instead of silently
    # keeping (or losing) the limiter on machine routes. (Browser routes keep their limits:
    # tests/idp/auth/test_rate_limits.py; the enroll route its own: test_enroll_rate_limit.)
    config = make_config(tmp_path / "x.sqlite3", database_url=database_url, RATELIMIT_ENABLED=True)
    app = create_app(config)
    wrapped = [
        f
        for registry in (app.before_request_funcs, app.after_request_funcs)
        for f in registry.get(None, [])
        if _is_limiter_hook(getattr(f, "__wrapped__", f), limiter) and hasattr(f, "__wrapped__")
    ]
    assert len(wrapped) == 2


@pytest.mark.parametrize(
    ("path", "machine"),
    [
        ("/realms/jasmin/api/device/v1/pending", True),
        ("/_dev/challenges/x", True),  # test-mode JSON (scripts, benchmarks)
        ("/_dev/realms/jasmin/users/camille.martin/challenges", True),
        ("/realms/jasmin/login", False),
        ("/_dev/mail/view", False),  # a page for humans
        ("/no/such/page", False),
    ],
)
def test_machine_requests_get_no_session(app: Flask, path: str, machine: bool) -> None:
    with app.test_request_context(path):
        from flask import session

        got = session._get_current_object()  # type: ignore[attr-defined]
        assert isinstance(got, NullSession) is machine


def test_device_api_answers_set_no_cookie(client: FlaskClient) -> None:
    resp = client.get("/realms/jasmin/api/device/v1/jwks")
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
    assert "X-RateLimit-Limit" not in resp.headers


def test_every_machine_route_with_its_own_limit_keeps_the_limiter(app: Flask) -> None:
    from flask_limiter.util import get_qualified_name

    from idp.web.machines import LIMITED_MACHINE_ENDPOINTS, MACHINE_BLUEPRINTS

    marked = limiter._marked_for_limiting  # the limiter's list of decorated views
    decorated = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.split(".")[0] in MACHINE_BLUEPRINTS and get_qualified_name(view) in marked
    }
    assert decorated == LIMITED_MACHINE_ENDPOINTS


def test_the_test_mode_json_prefixes_cover_the_test_mode_routes(
    tmp_path: Path, database_url: str
) -> None:
    from idp.web.machines import _TEST_MODE_JSON

    config = make_config(tmp_path / "x.sqlite3", database_url=database_url, TEST_MODE=True)
    app = create_app(config)

    rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("testmode.")]
    assert rules
    for rule in rules:
        assert rule.startswith(_TEST_MODE_JSON) or rule == "/_dev/mail", rule
