"""Security info forms: shape only. Every form that changes a method is confirmed by the
current password or a fresh second factor; the view decides which (``_confirmed``), so the
password field is optional here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from idp.policy import ABSOLUTE_MAX_LENGTH
from idp.web.fields import email_field
from idp.web.forms import Form

__all__ = [
    "ConfirmPasswordForm",
    "EmailForm",
    "EndSessionForm",
    "PlainForm",
    "SecretQuestionForm",
]


def _current_password() -> PasswordField:
    return PasswordField(
        _l("Mot de passe actuel"),
        validators=[
            Optional(strip_whitespace=False),
            Length(
                max=ABSOLUTE_MAX_LENGTH,
                message=_l("Le mot de passe ne peut pas dépasser 256 caractères."),
            ),
        ],
    )


class PlainForm(Form):
    """A button: the CSRF token only."""


class ConfirmPasswordForm(Form):
    current_password = _current_password()


class EndSessionForm(Form):
    session_id = IntegerField(
        validators=[InputRequired(), NumberRange(min=1, max=2**62)],
    )


class EmailForm(Form):
    email = email_field(_l("Nouvelle adresse de messagerie"))
    current_password = _current_password()


class SecretQuestionForm(Form):
    question = StringField(
        _l("Question secrète"),
        validators=[
            InputRequired(message=_l("Vous devez entrer une question.")),
            Length(min=5, max=200, message=_l("La question doit compter de 5 à 200 caractères.")),
        ],
    )
    answer = PasswordField(
        _l("Réponse"),
        validators=[
            InputRequired(message=_l("Vous devez entrer une réponse.")),
            Length(min=2, max=100, message=_l("La réponse doit compter de 2 à 100 caractères.")),
        ],
    )
    current_password = _current_password()
