"""The base of every IdP form: Flask-WTF's, with a CSRF token signed only when it is shown.

Flask-WTF signs a fresh token for the form's hidden field as soon as the form is built, even
for a POST that succeeds and answers with a redirect (most of them): an HMAC and a serialization
of work thrown away, about a tenth of a millisecond on a code sign-in. Here the hidden field signs
it the first time it is rendered. Nothing else changes: the same token (Flask-WTF's, cached for
the request, the raw value in the session), checked the same way (``CSRFProtect`` before the
view, then the field's own check).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.form import _FlaskFormCSRF
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import HiddenField

__all__ = ["Form"]


class _TokenWhenRendered(CSRFTokenField):
    current_token: str | None = None

    def process(self, *args: Any, **kwargs: Any) -> None:
        HiddenField.process(self, *args, **kwargs)  # CSRFTokenField's would sign the token now

    def _value(self) -> str:
        if self.current_token is None:
            self.current_token = self.csrf_impl.generate_csrf_token(self)
        return self.current_token


class _CSRF(_FlaskFormCSRF):
    field_class = _TokenWhenRendered


class Form(FlaskForm):
    class Meta:
        csrf_class = _CSRF
