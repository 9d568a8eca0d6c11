"""Admin console forms: shape only. Every action carries a reason for the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from idp.audit.labels import OUTCOME_LABELS
from idp.web.forms import Form

__all__ = ["ActionForm", "AuditFilterForm", "ClientForm", "SearchForm"]

OUTCOMES = ["", "success", "failure", "suspicious", "info"]


class ActionForm(Form):
    reason = StringField(
        _l("Motif"),
        validators=[
            InputRequired(message=_l("Indiquez le motif de cette action.")),
            Length(max=200, message=_l("Le motif ne peut pas dépasser 200 caractères.")),
        ],
    )
    # For unlock (lock kind) and remove-device (device id); checked by the service.
    target = StringField(validators=[Optional(), Length(max=64)])


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Rechercher"), validators=[Optional(), Length(max=120)])


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    user = StringField(_l("Utilisateur"), validators=[Optional(), Length(max=120)])
    event = StringField(_l("Événement"), validators=[Optional(), Length(max=64)])
    outcome = SelectField(
        _l("Résultat"),
        choices=[SelectChoice(o, OUTCOME_LABELS[o] if o else "—") for o in OUTCOMES],
        validators=[Optional()],
        default="",
    )
    since = DateField(_l("Du"), validators=[Optional()])
    until = DateField(_l("Au (inclus)"), validators=[Optional()])


class ClientForm(Form):
    """An OpenID Connect application; the URIs are checked by ``idp.oidc.clients``."""

    name = StringField(
        _l("Nom de l'application"),
        validators=[
            InputRequired(message=_l("Indiquez le nom de l'application.")),
            Length(max=200, message=_l("Le nom ne peut pas dépasser 200 caractères.")),
        ],
    )
    redirect_uris = TextAreaField(
        _l("Adresses de retour (une par ligne)"),
        validators=[
            InputRequired(message=_l("Indiquez au moins une adresse de retour.")),
            Length(max=20_000, message=_l("Trop d'adresses.")),
        ],
    )
    post_logout_redirect_uris = TextAreaField(
        _l("Adresses après déconnexion (facultatif, une par ligne)"),
        validators=[Optional(), Length(max=20_000, message=_l("Trop d'adresses."))],
    )
    public = BooleanField(_l("Application publique (sans secret, PKCE obligatoire)"))
    reason = StringField(
        _l("Motif"),
        validators=[
            InputRequired(message=_l("Indiquez le motif de cette action.")),
            Length(max=200, message=_l("Le motif ne peut pas dépasser 200 caractères.")),
        ],
    )
