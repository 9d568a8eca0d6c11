"""Change-password form: shape only (the policy is checked by the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from idp.policy import ABSOLUTE_MAX_LENGTH

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
    new_password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            InputRequired(message=_l("Vous devez choisir un nouveau mot de passe.")),
            Length(
                max=ABSOLUTE_MAX_LENGTH,
                message=_l("Le mot de passe ne peut pas dépasser 256 caractères."),
            ),
        ],
    )
    confirmation = PasswordField(
        _l("Confirmation"),
        validators=[
            InputRequired(message=_l("Vous devez confirmer le nouveau mot de passe.")),
            EqualTo("new_password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
