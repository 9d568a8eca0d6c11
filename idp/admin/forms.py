"""Admin console forms: shape only. Every action carries a reason for the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

__all__ = ["ActionForm", "AuditFilterForm", "SearchForm"]

OUTCOMES = ["", "success", "failure", "suspicious", "info"]


class ActionForm(FlaskForm):
    reason = StringField(
        _l("Motif"),
        validators=[
            InputRequired(message=_l("Indiquez le motif de cette action.")),
            Length(max=200, message=_l("Le motif ne peut pas dépasser 200 caractères.")),
        ],
    )
    # For unlock (lock kind) and remove-device (device id); checked by the service.
    target = StringField(validators=[Optional(), Length(max=64)])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Rechercher"), validators=[Optional(), Length(max=120)])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    user = StringField(_l("Utilisateur"), validators=[Optional(), Length(max=120)])
    event = StringField(_l("Événement"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(
        _l("Résultat"),
        choices=[SelectChoice(o, o or "—") for o in OUTCOMES],
        validators=[Optional()],
        default="",
    )
    since = DateField(_l("Du"), validators=[Optional()])
    until = DateField(_l("Au (inclus)"), validators=[Optional()])
