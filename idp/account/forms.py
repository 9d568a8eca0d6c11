"""Change-password form: shape only (the policy is checked by the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from idp.policy import ABSOLUTE_MAX_LENGTH
from idp.web.fields import confirmation_field, new_password_field

__all__ = ["ChangePasswordForm"]


class ChangePasswordForm(FlaskForm):
    identifier = StringField(
        _l("Identifiant"),
        validators=[
            InputRequired(message=_l("Vous devez entrer votre identifiant.")),
            Length(max=120, message=_l("L'identifiant ne peut pas dépasser 120 caractères.")),
        ],
    )
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[
            InputRequired(message=_l("Vous devez entrer votre mot de passe actuel.")),
            Length(
                max=ABSOLUTE_MAX_LENGTH,
                message=_l("Le mot de passe ne peut pas dépasser 256 caractères."),
            ),
        ],
    )
    new_password = new_password_field()
    confirmation = confirmation_field("new_password")
