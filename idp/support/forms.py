"""Support contact form: shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from idp.web.fields import email_field
from idp.web.forms import Form

__all__ = ["ContactForm"]


class ContactForm(Form):
    name = StringField(
        _l("Nom et prénom"),
        validators=[
            InputRequired(message=_l("Vous devez indiquer votre nom.")),
            Length(max=120, message=_l("120 caractères au maximum.")),
        ],
    )
    email = email_field()
    subject = StringField(
        _l("Objet"),
        validators=[
            InputRequired(message=_l("Vous devez indiquer l'objet de votre demande.")),
            Length(max=160, message=_l("160 caractères au maximum.")),
        ],
    )
    message = TextAreaField(
        _l("Votre message"),
        validators=[
            InputRequired(message=_l("Vous devez décrire votre problème.")),
            Length(min=10, max=5000, message=_l("Entre 10 et 5000 caractères.")),
        ],
    )
