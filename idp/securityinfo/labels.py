"""Words the security info page uses for audit events and session ends."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

__all__ = ["activity_label"]

_EVENTS: dict[tuple[str, str], LazyString] = {
    ("sign_in", "success"): _l("Connexion réussie"),
    ("sign_in", "failure"): _l("Échec de connexion"),
    ("password_changed", "success"): _l("Mot de passe modifié"),
    ("password_change", "failure"): _l("Échec de changement de mot de passe"),
    ("password_expired", "info"): _l("Mot de passe expiré"),
    ("device_enrolled", "success"): _l("Appareil ajouté"),
    ("device_removed", "success"): _l("Appareil retiré"),
    ("email_changed", "success"): _l("Adresse de messagerie modifiée"),
    ("secret_question_changed", "success"): _l("Question secrète modifiée"),
    ("session_ended", "info"): _l("Session fermée"),
    ("sessions_ended", "info"): _l("Sessions fermées"),
    ("admin_user_disabled", "success"): _l("Compte désactivé par un administrateur"),
    ("admin_user_enabled", "success"): _l("Compte réactivé par un administrateur"),
    ("admin_sessions_revoked", "success"): _l("Sessions fermées par un administrateur"),
    ("security_info_reauth", "failure"): _l("Mot de passe actuel refusé"),
    ("security_info_protection_changed", "success"): _l("Option « second facteur » modifiée"),
    ("step_up", "success"): _l("Second facteur confirmé"),
    ("recovery_codes_generated", "success"): _l("Codes de récupération générés"),
    ("email_verification_sent", "info"): _l("Lien de vérification d'adresse envoyé"),
}


def activity_label(event: str, outcome: str) -> str:
    label = _EVENTS.get((event, outcome))
    if label is not None:
        return str(label)
    if event.startswith("recovery"):
        return str(_l("Réinitialisation du mot de passe"))
    return event
