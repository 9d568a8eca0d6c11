"""Sign-in form: shape only; the service decides truth."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from idp.web.fields import current_password_field, identifier_field
from idp.web.forms import Form

__all__ = ["LANGUAGE_CHOICES", "LoginForm"]

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class LoginForm(Form):
    identifier = identifier_field()
    password = current_password_field()
    language = SelectField(_l("Langue de l'interface"), choices=LANGUAGE_CHOICES, default="fr")
    submit = SubmitField(_l("Se connecter"))
