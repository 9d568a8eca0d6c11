"""Change-password form: shape only (the policy is checked by the service)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from idp.web.fields import (
    confirmation_field,
    current_password_field,
    identifier_field,
    new_password_field,
)
from idp.web.forms import Form

__all__ = ["ChangePasswordForm"]


class ChangePasswordForm(Form):
    identifier = identifier_field()
    current_password = current_password_field(
        _l("Mot de passe actuel"), _l("Vous devez entrer votre mot de passe actuel.")
    )
    new_password = new_password_field()
    confirmation = confirmation_field("new_password")
