"""Sign-in form: shape only; the service decides truth."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from idp.web.fields import current_password_field, identifier_field

__all__ = ["LANGUAGE_CHOICES", "LoginForm"]

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class LoginForm(FlaskForm):
    identifier = identifier_field()
    password = current_password_field()
    language = SelectField(_l("Langue de l'interface"), choices=LANGUAGE_CHOICES, default="fr")
    submit = SubmitField(_l("Se connecter"))
