"""The activation form: question joker, answer, first password, rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from idp.web.fields import confirmation_field, new_password_field
from idp.web.forms import Form

__all__ = ["ActivationForm"]


class ActivationForm(Form):
    question = SelectField(_l("Question joker"), validate_choice=True)
    answer = StringField(
        _l("votre réponse"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre réponse.")),
            Length(min=2, max=200, message=_l("Entre 2 et 200 caractères.")),
        ],
    )
    password = new_password_field()
    confirmation = confirmation_field("password")
    accept_rules = BooleanField(_l("Je reconnais avoir pris connaissance du règlement intérieur"))
