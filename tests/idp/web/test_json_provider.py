"""Every JSON body the app reads is bounded in nesting (not only the device API's)."""

from __future__ import annotations

import pytest
from flask import Flask, request

NESTED = ('{"a":' * 1100 + "1" + "}" * 1100).encode()


def test_deep_nesting_is_none_for_a_silent_read(app: Flask) -> None:
    with app.test_request_context(method="POST", data=NESTED, content_type="application/json"):
        assert request.get_json(silent=True) is None


def test_deep_nesting_is_a_400_for_a_strict_read(app: Flask) -> None:
    from werkzeug.exceptions import BadRequest

    context = app.test_request_context(method="POST", data=NESTED, content_type="application/json")
    with context, pytest.raises(BadRequest):
        request.get_json()


def test_ordinary_json_still_reads(app: Flask) -> None:
    with app.test_request_context(method="POST", json={"a": [1, {"b": "[[["}]}):
        assert request.get_json() == {"a": [1, {"b": "[[["}]}
