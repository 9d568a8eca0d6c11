"""The activation form: question joker, answer, first password, rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from idp.policy import ABSOLUTE_MAX_LENGTH

__all__ = ["ActivationForm"]


class ActivationForm(FlaskForm):
    question = SelectField(_l("Question joker"), validate_choice=True)
    answer = StringField(
        _l("votre réponse"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre réponse.")),
            Length(min=2, max=200, message=_l("Entre 2 et 200 caractères.")),
        ],
    )
    password = PasswordField(
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
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
    accept_rules = BooleanField(_l("Je reconnais avoir pris connaissance du règlement intérieur"))
