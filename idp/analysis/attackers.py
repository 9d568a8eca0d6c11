"""The attacker capability sets the analyzer asks about, and the words for everything it shows.

Every set starts with the account's identifier (a login is not a secret) and can read a
captcha. The first six are the questions of issue 19; the last two show what the joker answer
and the printed recovery codes are worth.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from idp.recovery.capabilities import Capability

__all__ = [
    "ATTACKERS",
    "CAPABILITY_LABELS",
    "GOAL_LABELS",
    "MOVE_LABELS",
    "AttackerSet",
    "attacker",
]

C = Capability
_PERSONAL = frozenset({C.NAME, C.BIRTH_DATE, C.STUDENT_NUMBER, C.STAFF_NUMBER, C.ORGANISATION})
_MAILBOX = frozenset({C.EMAIL_ADDRESS, C.MAILBOX})


@dataclass(frozen=True)
class AttackerSet:
    code: str
    label: LazyString
    capabilities: frozenset[Capability]


ATTACKERS: tuple[AttackerSet, ...] = (
    AttackerSet("mailbox", _l("Boîte mail seule"), _MAILBOX | {C.IDENTIFIER}),
    AttackerSet("phone", _l("Téléphone seul"), frozenset({C.IDENTIFIER, C.PHONE})),
    AttackerSet("password", _l("Mot de passe seul"), frozenset({C.IDENTIFIER, C.PASSWORD})),
    AttackerSet("personal_data", _l("Données personnelles"), _PERSONAL | {C.IDENTIFIER}),
    AttackerSet(
        "personal_data_mailbox",
        _l("Données personnelles + boîte mail"),
        _PERSONAL | _MAILBOX | {C.IDENTIFIER},
    ),
    AttackerSet(
        "old_password", _l("Un ancien mot de passe"), frozenset({C.IDENTIFIER, C.OLD_PASSWORD})
    ),
    AttackerSet(
        "personal_data_secret_answer",
        _l("Données personnelles + réponse à la question joker"),
        _PERSONAL | {C.IDENTIFIER, C.SECRET_ANSWER},
    ),
    AttackerSet(
        "recovery_code",
        _l("Un code de récupération imprimé"),
        frozenset({C.IDENTIFIER, C.RECOVERY_CODE}),
    ),
)


def attacker(code: str) -> AttackerSet:
    for candidate in ATTACKERS:
        if candidate.code == code:
            return candidate
    raise KeyError(code)


CAPABILITY_LABELS: dict[Capability, LazyString] = {
    C.IDENTIFIER: _l("identifiant du compte"),
    C.EMAIL_ADDRESS: _l("adresse mail"),
    C.MAILBOX: _l("boîte mail"),
    C.PHONE: _l("téléphone avec l'application"),
    C.PASSWORD: _l("mot de passe actuel"),
    C.OLD_PASSWORD: _l("ancien mot de passe"),
    C.NAME: _l("nom et prénom"),
    C.BIRTH_DATE: _l("date de naissance"),
    C.STUDENT_NUMBER: _l("numéro étudiant ou INE"),
    C.STAFF_NUMBER: _l("numéro personnel"),
    C.ORGANISATION: _l("organisation, pays, catégorie"),
    C.SECRET_ANSWER: _l("réponse à la question joker"),
    C.RECOVERY_CODE: _l("code de récupération"),
    C.SESSION: _l("session ouverte"),
}

GOAL_LABELS: dict[str, LazyString] = {
    "reset_password": _l("Réinitialiser le mot de passe"),
    "sign_in": _l("Se connecter"),
    "rebind_second_factor": _l("Remplacer le second facteur"),
    "change_recovery": _l("Prendre la main sur la récupération"),
    "activate_account": _l("Activer un compte pas encore activé"),
}

# Recovery steps and the moves of the other journeys (idp.analysis.journeys).
MOVE_LABELS: dict[str, LazyString] = {
    "entry_change_password": _l("Page « Changer de mot de passe » du compte"),
    "captcha": _l("Captcha"),
    "choose_category": _l("Choix de la catégorie d'usager"),
    "identify_by_email": _l("Adresse mail du compte"),
    "identify_by_attributes": _l("Adresse mail, nom, prénom, pays, type d'organisation"),
    "identify_by_number_and_birth_date": _l(
        "Numéro (étudiant, INE, personnel, UID) et date de naissance"
    ),
    "verify_push": _l("Notification approuvée dans l'application"),
    "verify_totp": _l("Code de l'application d'authentification"),
    "verify_recovery_code": _l("Code de récupération"),
    "verify_email_code": _l("Code de sécurité reçu par mail"),
    "verify_email_link": _l("Lien reçu par mail"),
    "verify_secret_question": _l("Question joker"),
    "accept_rules": _l("Acceptation du règlement intérieur"),
    "set_password": _l("Nouveau mot de passe"),
    "apply_async": _l("Application différée"),
    "done": _l("Confirmation"),
    "sign_in_password": _l("Identifiant et mot de passe"),
    "sign_in_push": _l("Notification approuvée à la connexion"),
    "sign_in_totp": _l("Code de vérification à la connexion"),
    "sign_in_recovery_code": _l("Code de récupération à la connexion"),
    "session": _l("Session ouverte"),
    "confirm_password": _l("Mot de passe actuel redemandé"),
    "add_device": _l("Ajout d'un appareil"),
    "change_email": _l("Changement de l'adresse mail"),
    "change_email_and_secret_question": _l("Changement de l'adresse mail et de la question joker"),
    "sesame_activation": _l("« Activer mon compte » : numéro et date de naissance"),
    "activation_setup": _l("Question joker et mot de passe choisis par l'attaquant"),
}
