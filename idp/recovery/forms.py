"""Forms of the recovery steps: shape only; steps decide truth."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from idp.web.fields import confirmation_field, email_field, new_password_field
from idp.web.forms import Form

__all__ = [
    "CaptchaForm",
    "CodeForm",
    "EmailForm",
    "NewPasswordForm",
    "RecoveryCodeStepForm",
    "StepForm",
    "TotpStepForm",
]


class StepForm(Form):
    flow_version = HiddenField()


class CaptchaForm(StepForm):
    identifier = StringField(
        _l("Identifiant"),
        validators=[
            Length(max=120, message=_l("L'identifiant ne peut pas dépasser 120 caractères."))
        ],
    )
    answer = StringField(
        _l("Renseignez les caractères de l'image"),
        validators=[Length(max=20, message=_l("La réponse ne peut pas dépasser 20 caractères."))],
    )


class NewPasswordForm(StepForm):
    # Shown and required only when the flow has an accept_rules step (seed 004).
    accept_rules = BooleanField(_l("Je reconnais avoir pris connaissance du règlement intérieur"))
    new_password = new_password_field()
    # Compared by the step, next to the policy: a mismatch must not hide the policy's errors.
    confirmation = confirmation_field(None)


class EmailForm(StepForm):
    email = email_field()


class CodeForm(StepForm):
    code = StringField(
        _l("code"),
        validators=[Length(max=20, message=_l("Le code ne peut pas dépasser 20 caractères."))],
    )


class TotpStepForm(StepForm):
    """A code from the Authenticator app (verify_totp); spaces and dashes are allowed."""

    code = StringField(
        _l("Code de vérification"),
        validators=[
            InputRequired(message=_l("Saisissez le code affiché dans l'application.")),
            Length(max=20, message=_l("Le code ne peut pas dépasser 20 caractères.")),
            Regexp(r"^[\s\-]*(\d[\s\-]*){6,8}$", message=_l("Le code est composé de 6 chiffres.")),
        ],
    )


class RecoveryCodeStepForm(StepForm):
    """One of the user's recovery codes (verify_recovery_code)."""

    code = StringField(
        _l("Code de récupération"),
        validators=[
            InputRequired(message=_l("Saisissez un de vos codes de récupération.")),
            Length(max=40, message=_l("Le code ne peut pas dépasser 40 caractères.")),
        ],
    )


class IdentityForm(StepForm):
    """Email, first name, last name, country and organisation type (seed 003)."""

    email = email_field(_l("Email*"))
    first_name = StringField(
        _l("Prénom*"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre prénom.")),
            Length(max=100, message=_l("100 caractères au maximum.")),
        ],
    )
    last_name = StringField(
        _l("Nom*"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre nom.")),
            Length(max=100, message=_l("100 caractères au maximum.")),
        ],
    )
    country = SelectField(
        _l("Pays*"),
        validators=[InputRequired(message=_l("Vous devez choisir votre pays."))],
        validate_choice=True,
    )
    organisation_type = SelectField(
        _l("Qualité*"),
        validators=[
            InputRequired(message=_l("Vous devez choisir la qualité de votre organisation."))
        ],
        validate_choice=True,
    )

    def fill_choices(
        self,
        countries: list[tuple[str, str]],
        qualities: list[str],
        default_country: str,
        default_quality: str | None,
    ) -> None:
        self.country.choices = countries
        self.organisation_type.choices = [(q, q) for q in qualities]
        if not self.country.data:
            self.country.data = default_country
        if not self.organisation_type.data and default_quality:
            self.organisation_type.data = default_quality

    def identity(self) -> dict[str, str]:
        return {
            name: str(getattr(self, name).data or "")
            for name in ("email", "first_name", "last_name", "country", "organisation_type")
        }


class IdentityPasswordForm(IdentityForm):
    """ "Recréer un mot de passe": the five fields again and the new password (seed 003)."""

    new_password = new_password_field(_l("Nouveau mot de passe*"))


class NumberForm(StepForm):
    kind = SelectField(
        validators=[InputRequired(message=_l("Choisissez un type de numéro."))],
        validate_choice=True,
    )
    number = StringField(
        _l("Numéro"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre numéro.")),
            Length(max=40, message=_l("40 caractères au maximum.")),
        ],
    )
    birth_date = StringField(
        _l("Date de naissance"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre date de naissance.")),
            Length(max=10, message=_l("La date de naissance doit être au format jj/mm/aaaa.")),
        ],
    )


class AnswerForm(StepForm):
    answer = StringField(
        _l("votre réponse"),
        validators=[
            InputRequired(message=_l("Vous devez saisir votre réponse.")),
            Length(max=200, message=_l("200 caractères au maximum.")),
        ],
    )
