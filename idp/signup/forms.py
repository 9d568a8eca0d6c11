"""Account creation: the identity fields of the recovery form, an identifier and a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from idp.auth.forms import LANGUAGE_CHOICES
from idp.recovery.forms import IdentityForm
from idp.web.fields import confirmation_field, new_password_field

__all__ = ["SignupForm"]


class SignupForm(IdentityForm):
    identifier = StringField(
        _l("Identifiant*"),
        validators=[
            InputRequired(message=_l("Vous devez entrer votre identifiant.")),
            Length(min=3, max=60, message=_l("L'identifiant doit comporter de 3 à 60 caractères.")),
            Regexp(
                r"^[A-Za-z0-9._@-]+$",
                message=_l("L'identifiant ne peut contenir que des lettres, chiffres, . _ @ -"),
            ),
        ],
    )
    password = new_password_field(_l("Mot de passe*"), _l("Vous devez choisir un mot de passe."))
    confirmation = confirmation_field(
        "password", _l("Confirmation*"), _l("Vous devez confirmer le mot de passe.")
    )
    language = SelectField(_l("Langue de l'interface*"), choices=LANGUAGE_CHOICES, default="fr")
