"""The device API's OpenAPI document: the device API only, completely.

The live check of the document against the behaviour is schemathesis
(``tests/e2e/test_device_api_schemathesis.py``); these tests pin what it cannot see.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from idp.device_api.errors import PROTOCOL_STATUS
from idp.push.errors import PushError
from shared.errors import ERROR_CODES

API = "/realms/{slug}/api/device/v1"
OPERATIONS = {
    ("post", "/enroll"),
    ("get", "/jwks"),
    ("get", "/pending"),
    ("get", "/events"),
    ("post", "/decisions"),
    ("delete", "/device"),
}
# The signed decision is its own credential (protocol v2).
PUBLIC = {("post", "/enroll"), ("get", "/jwks"), ("post", "/decisions")}


@pytest.fixture
def spec(app: Flask) -> dict[str, Any]:
    resp = app.test_client().get("/api/device/openapi.json")
    assert resp.status_code == 200
    document: dict[str, Any] = resp.get_json()
    return document


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path.removeprefix(API)): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }


def _status_of(code: str) -> int:
    """The status the IdP answers ``code`` with, from its own mappings (not the document)."""
    if match := re.fullmatch(r"http_(\d{3})", code):
        return int(match[1])
    if code in ERROR_CODES:
        return PROTOCOL_STATUS.get(code, 401)
    statuses = {cls.code: cls.status for cls in _push_errors()}
    return statuses[code]


def _push_errors() -> list[type[PushError]]:
    found, todo = [], [PushError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_it_describes_the_device_api_only(spec: dict[str, Any]) -> None:
    # It used to list every route of the app (55), /_dev ones included.
    assert set(_operations(spec)) == OPERATIONS
    assert not [p for p in spec["paths"] if "/_dev" in p]


def test_the_device_security_scheme(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["Device"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "Device")
    for key, operation in _operations(spec).items():
        expected: list[object] = [] if key in PUBLIC else [{"Device": []}]
        assert operation["security"] == expected, key
        if key not in PUBLIC:
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_every_operation_documents_its_real_error_statuses(spec: dict[str, Any]) -> None:
    statuses = {key: set(op["responses"]) for key, op in _operations(spec).items()}
    assert statuses[("post", "/enroll")] == {
        "201", "400", "401", "404", "409", "410", "413", "429", "431"
    }  # fmt: skip
    assert statuses[("post", "/decisions")] == {
        "200", "400", "401", "404", "409", "410", "413", "422", "431"
    }  # fmt: skip
    assert statuses[("get", "/pending")] == {"200", "400", "401", "404", "431"}
    assert statuses[("get", "/jwks")] == {"200", "404", "431"}
    assert statuses[("delete", "/device")] == {"204", "400", "401", "404", "431"}


def test_the_codes_named_under_a_status_are_answered_with_that_status(
    spec: dict[str, Any],
) -> None:
    named = 0
    for key, operation in _operations(spec).items():
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            codes = re.findall(r"`([a-z0-9_]+)`", response["description"].split("one of:")[1])
            assert codes, (key, status)
            for code in codes:
                assert _status_of(code) == int(status), (key, status, code)
                named += 1
    assert named > 40


def test_the_long_poll_parameter(spec: dict[str, Any]) -> None:
    [wait] = [
        p for p in _operations(spec)[("get", "/pending")]["parameters"] if p["name"] == "wait"
    ]
    assert wait["in"] == "query"
    assert (wait["schema"]["minimum"], wait["schema"]["maximum"]) == (0, 30)


def test_the_event_stream(spec: dict[str, Any]) -> None:
    ok = _operations(spec)[("get", "/events")]["responses"]["200"]
    assert list(ok["content"]) == ["text/event-stream"]
    assert "event: hint" in ok["description"]


def test_no_validation_error_model_that_never_happens(spec: dict[str, Any]) -> None:
    assert not [name for name in spec["components"]["schemas"] if "ValidationError" in name]
