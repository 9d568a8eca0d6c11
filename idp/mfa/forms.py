"""Second-factor forms: a code from the app, a recovery code (shape only; services decide)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Regexp

from idp.web.forms import Form

__all__ = ["RecoveryCodeForm", "TotpCodeForm"]

# Apps show "123 456"; people paste "123-456": both are fine.
_CODE_SHAPE = r"^[\s\-]*(\d[\s\-]*){6,8}$"


class TotpCodeForm(Form):
    code = StringField(
        _l("Code de vérification"),
        validators=[
            InputRequired(message=_l("Saisissez le code affiché dans l'application.")),
            Length(max=20, message=_l("Le code ne peut pas dépasser 20 caractères.")),
            Regexp(_CODE_SHAPE, message=_l("Le code est composé de 6 chiffres.")),
        ],
    )


class RecoveryCodeForm(Form):
    code = StringField(
        _l("Code de récupération"),
        validators=[
            InputRequired(message=_l("Saisissez un de vos codes de récupération.")),
            Length(max=40, message=_l("Le code ne peut pas dépasser 40 caractères.")),
        ],
    )
