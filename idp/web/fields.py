"""Form fields that several journeys ask for, defined once (labels and messages included)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from idp.policy import ABSOLUTE_MAX_LENGTH
from idp.web.validators import EmailAddress

__all__ = [
    "confirmation_field",
    "current_password_field",
    "email_field",
    "identifier_field",
    "new_password_field",
]


def email_field(label: LazyString | None = None) -> StringField:
    # type=email: the phone shows its email keyboard (the check stays ours, not the browser's).
    return EmailField(
        label or _l("Adresse de messagerie"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre adresse de messagerie.")),
            Length(max=254, message=_l("L'adresse ne peut pas dépasser 254 caractères.")),
            EmailAddress(message=_l("Cette adresse de messagerie n'est pas valide.")),
        ],
    )


def identifier_field(label: LazyString | None = None) -> StringField:
    """The account's identifier as the user types it to sign in or change a password."""
    return StringField(
        label or _l("Identifiant"),
        validators=[
            InputRequired(message=_l("Vous devez entrer votre identifiant.")),
            Length(max=120, message=_l("L'identifiant ne peut pas dépasser 120 caractères.")),
        ],
    )


def current_password_field(
    label: LazyString | None = None, required: LazyString | None = None
) -> PasswordField:
    """A password the user already has (sign-in, change of password)."""
    return PasswordField(
        label or _l("Mot de passe"),
        validators=[
            InputRequired(message=required or _l("Vous devez entrer votre mot de passe.")),
            Length(
                max=ABSOLUTE_MAX_LENGTH,
                message=_l("Le mot de passe ne peut pas dépasser 256 caractères."),
            ),
        ],
    )


def new_password_field(
    label: LazyString | None = None, required: LazyString | None = None
) -> PasswordField:
    return PasswordField(
        label or _l("Nouveau mot de passe"),
        validators=[
            InputRequired(message=required or _l("Vous devez choisir un nouveau mot de passe.")),
            Length(
                max=ABSOLUTE_MAX_LENGTH,
                message=_l("Le mot de passe ne peut pas dépasser 256 caractères."),
            ),
        ],
    )


def confirmation_field(
    of: str | None, label: LazyString | None = None, required: LazyString | None = None
) -> PasswordField:
    """The new password again; ``of=None`` leaves the comparison to the service, which then
    reports a mismatch together with the policy's errors instead of hiding them."""
    if of is None:
        return PasswordField(label or _l("Confirmation"))
    return PasswordField(
        label or _l("Confirmation"),
        validators=[
            InputRequired(message=required or _l("Vous devez confirmer le nouveau mot de passe.")),
            EqualTo(of, message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )
