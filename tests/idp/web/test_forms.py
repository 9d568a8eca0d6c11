"""idp.web.forms.Form: the CSRF token is signed when the form is shown, and checked as before."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask import Flask, g, session
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import StringField

import idp
from idp.web.forms import Form


class _Sample(Form):
    name = StringField("Nom")


def test_building_a_form_signs_no_token(app: Flask) -> None:
    with app.test_request_context("/"):
        form = _Sample()
        assert "csrf_token" not in g  # Flask-WTF's cache of the signed token: nothing signed
        assert form.csrf_token.current_token is None


def test_the_rendered_field_carries_the_request_token(app: Flask) -> None:
    with app.test_request_context("/"):
        form = _Sample()
        html = form.csrf_token()
        token = generate_csrf()  # the request's token, cached by Flask-WTF
        assert f'value="{token}"' in html
        assert form.csrf_token() == html  # signed once
        validate_csrf(token)  # a token the next POST passes with


def _signed_token(app: Flask) -> tuple[str, str]:
    """A token as a page would have signed it, and the raw value its session keeps."""
    with app.test_request_context("/"):
        return generate_csrf(), session["csrf_token"]


@pytest.mark.parametrize(
    ("sent", "valid"),
    [
        pytest.param("signed", True, id="the-token"),
        pytest.param("", False, id="missing"),
        pytest.param("forged.token.value", False, id="forged"),
    ],
)
def test_a_post_is_checked_as_before(app: Flask, sent: str, valid: bool) -> None:
    signed, raw = _signed_token(app)
    data = {"csrf_token": signed if sent == "signed" else sent, "name": "x"}
    with app.test_request_context("/", method="POST", data=data):
        session["csrf_token"] = raw
        form = _Sample()
        assert form.validate() is valid
        assert bool(form.csrf_token.errors) is not valid


_NOT_IMPORTED = ("idp.wsgi", "idp.migrations")  # the WSGI entry builds an app from the env


def _idp_modules() -> None:
    for info in pkgutil.walk_packages(idp.__path__, "idp."):
        if not info.name.startswith(_NOT_IMPORTED):
            importlib.import_module(info.name)


def test_every_form_of_the_idp_derives_from_form() -> None:
    _idp_modules()
    pending = list(FlaskForm.__subclasses__())
    offenders = []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("idp.") and not issubclass(cls, Form):
            offenders.append(f"{cls.__module__}.{cls.__qualname__}")
    assert offenders == []
