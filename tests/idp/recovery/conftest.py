"""Recovery fixtures: test mode (fixed captcha answer) and an enrolled device."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.idp.device_api.conftest import device, make_uri  # noqa: F401 - re-exported fixtures

CAPTCHA = "AB3CD"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Reset mails leave after the answer in a thread in production; here, before it returns,
    # so that a test reads the outbox right after the POST.
    return {"TEST_MODE": True, "TEST_CAPTCHA_ANSWER": CAPTCHA, "RESET_MAIL_IN_BACKGROUND": False}


class BrowserLikeClient(FlaskClient):
    """Follows the POST-redirect-GET of a step as a browser does: a POST answered by a 303 back
    to the same step returns the page that GET shows (errors, or the problem page). A redirect
    to another step is returned as is, so tests still see where the flow went."""

    def post(self, *args: Any, **kwargs: Any) -> Any:
        resp = super().post(*args, **kwargs)
        path = urlsplit(str(args[0] if args else kwargs.get("path", ""))).path
        if resp.status_code == 303 and urlsplit(resp.headers["Location"]).path == path:
            resp.close()  # as a server does once the answer is sent (mail after the answer)
            return self.get(path)
        return resp


@pytest.fixture(autouse=True)
def _browser_like_client(app: Flask) -> None:
    app.test_client_class = BrowserLikeClient


@pytest.fixture
def raw_client(app: Flask) -> FlaskClient:
    """A client that does not follow redirects (to see the 303 itself)."""
    return FlaskClient(app, app.response_class, use_cookies=True)
