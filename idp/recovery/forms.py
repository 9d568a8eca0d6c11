"""Forms of the recovery steps: shape only; steps decide truth."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from idp.policy import ABSOLUTE_MAX_LENGTH
from idp.web.validators import EmailAddress

__all__ = ["CaptchaForm", "CodeForm", "EmailForm", "NewPasswordForm", "StepForm"]


class StepForm(FlaskForm):
    flow_version = HiddenField()


class CaptchaForm(StepForm):
    identifier = StringField(
        _l("Identifiant"),
        validators=[
            Length(max=120, message=_l("L'identifiant ne peut pas dépasser 120 caractères."))
        ],
    )
    answer = StringField(
        _l("Renseignez les caractères de l'image"),
        validators=[Length(max=20, message=_l("La réponse ne peut pas dépasser 20 caractères."))],
    )


class NewPasswordForm(StepForm):
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


class EmailForm(StepForm):
    email = StringField(
        _l("Adresse de messagerie"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre adresse de messagerie.")),
            Length(max=254, message=_l("L'adresse ne peut pas dépasser 254 caractères.")),
            EmailAddress(message=_l("Cette adresse de messagerie n'est pas valide.")),
        ],
    )


class CodeForm(StepForm):
    code = StringField(
        _l("code"),
        validators=[Length(max=20, message=_l("Le code ne peut pas dépasser 20 caractères."))],
    )
