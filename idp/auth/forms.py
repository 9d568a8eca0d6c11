"""Sign-in form: shape only; the service decides truth."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

__all__ = ["LANGUAGE_CHOICES", "LoginForm"]

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


class LoginForm(FlaskForm):
    identifier = StringField(
        _l("Identifiant"),
        validators=[
            InputRequired(message=_l("Vous devez entrer votre identifiant.")),
            Length(max=120, message=_l("L'identifiant ne peut pas dépasser 120 caractères.")),
        ],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            InputRequired(message=_l("Vous devez entrer votre mot de passe.")),
            Length(max=256, message=_l("Le mot de passe ne peut pas dépasser 256 caractères.")),
        ],
    )
    language = SelectField(_l("Langue de l'interface"), choices=LANGUAGE_CHOICES, default="fr")
    submit = SubmitField(_l("Se connecter"))
