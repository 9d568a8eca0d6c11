"""Account creation: the identity fields of the recovery form, an identifier and a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from idp.auth.forms import LANGUAGE_CHOICES
from idp.policy import ABSOLUTE_MAX_LENGTH
from idp.recovery.forms import IdentityForm

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
    password = PasswordField(
        _l("Mot de passe*"),
        validators=[
            InputRequired(message=_l("Vous devez choisir un mot de passe.")),
            Length(
                max=ABSOLUTE_MAX_LENGTH,
                message=_l("Le mot de passe ne peut pas dépasser 256 caractères."),
            ),
        ],
    )
    confirmation = PasswordField(
        _l("Confirmation*"),
        validators=[
            InputRequired(message=_l("Vous devez confirmer le mot de passe.")),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
    language = SelectField(_l("Langue de l'interface*"), choices=LANGUAGE_CHOICES, default="fr")
