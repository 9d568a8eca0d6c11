"""Words for audit events and outcomes, as the admin console shows them.

The stored codes stay what they are (the API, the exports and the filters use them); pages
show the label, with the code beside it for the filter. Every event a service records has a
label here: ``tests/idp/audit/test_labels.py`` scans the package for recorded events.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

__all__ = ["EVENT_LABELS", "OUTCOME_LABELS", "event_label", "outcome_label"]

EVENT_LABELS: dict[str, LazyString] = {
    # Sign-in, sessions, second factor
    "sign_in": _l("Connexion"),
    "step_up": _l("Second facteur confirmé"),
    "session_ended": _l("Session fermée"),
    "sessions_ended": _l("Sessions fermées"),
    "second_factor_locked": _l("Second facteur bloqué"),
    "push_challenge_created": _l("Notification envoyée"),
    "push_approved": _l("Notification approuvée"),
    "push_denied": _l("Notification refusée"),
    "push_number_mismatch": _l("Mauvais nombre choisi"),
    "push_reported": _l("Notification signalée comme suspecte"),
    "push_rate_limited": _l("Trop de notifications"),
    "totp_verify": _l("Code de vérification"),
    "recovery_code_verify": _l("Code de récupération"),
    "recovery_code_used": _l("Code de récupération utilisé"),
    "recovery_codes_generated": _l("Codes de récupération générés"),
    # Password and security info
    "password_change": _l("Changement de mot de passe"),
    "password_changed": _l("Mot de passe modifié"),
    "password_change_required": _l("Changement de mot de passe exigé"),
    "password_expired": _l("Mot de passe expiré"),
    "device_enrollment_offered": _l("Ajout d'appareil proposé"),
    "device_enrolled": _l("Appareil ajouté"),
    "device_removed": _l("Appareil retiré"),
    "email_changed": _l("Adresse de messagerie modifiée"),
    "email_verification_sent": _l("Lien de vérification d'adresse envoyé"),
    "secret_question_changed": _l("Question secrète modifiée"),
    "security_info_reauth": _l("Mot de passe actuel demandé"),
    "security_info_protection_changed": _l("Option « second facteur » modifiée"),
    # Password reset (the realms' recovery flows)
    "recovery_request": _l("Demande de réinitialisation"),
    "recovery_identify": _l("Réinitialisation : identification"),
    "recovery_identity": _l("Réinitialisation : vérification d'identité"),
    "recovery_captcha": _l("Réinitialisation : captcha"),
    "recovery_code": _l("Réinitialisation : code reçu par courriel"),
    "recovery_code_resent": _l("Réinitialisation : code renvoyé"),
    "recovery_push": _l("Réinitialisation : notification"),
    "recovery_secret_answer": _l("Réinitialisation : question secrète"),
    "recovery_link": _l("Lien de réinitialisation"),
    # Accounts
    "account_created": _l("Compte créé"),
    "account_activated": _l("Compte activé"),
    "account_activation_identify": _l("Activation : identification"),
    "identifier_recovery": _l("Identifiant retrouvé"),
    "support_request": _l("Demande d'assistance"),
    "mail_sent": _l("Courriel envoyé"),
    "mail_failed": _l("Échec d'envoi d'un courriel"),
    # Administration
    "admin_granted": _l("Droits d'administration accordés"),
    "admin_revoked": _l("Droits d'administration retirés"),
    "admin_user_disabled": _l("Compte désactivé par un administrateur"),
    "admin_user_enabled": _l("Compte réactivé par un administrateur"),
    "admin_sessions_revoked": _l("Sessions fermées par un administrateur"),
    "admin_device_removed": _l("Appareil retiré par un administrateur"),
    "admin_password_change_forced": _l("Changement de mot de passe imposé"),
    "admin_temporary_password": _l("Mot de passe temporaire défini"),
    "admin_reset_link_sent": _l("Lien de réinitialisation envoyé par un administrateur"),
    "admin_unlocked": _l("Compte débloqué par un administrateur"),
    "admin_token_created": _l("Jeton d'API d'administration créé"),
    "admin_token_revoked": _l("Jeton d'API d'administration révoqué"),
    # OpenID Connect and CAS
    "oidc_client_added": _l("Application ajoutée"),
    "oidc_client_removed": _l("Application retirée"),
    "oidc_consent_granted": _l("Consentement accordé à une application"),
    "oidc_consent_revoked": _l("Consentement retiré à une application"),
    "oidc_code_issued": _l("Code d'autorisation émis"),
    "oidc_code_replayed": _l("Code d'autorisation réutilisé"),
    "oidc_token_issued": _l("Jetons émis pour une application"),
    "cas_ticket_issued": _l("Ticket CAS émis"),
    "cas_ticket_validated": _l("Ticket CAS validé"),
}

OUTCOME_LABELS: dict[str, LazyString] = {
    "success": _l("Réussite"),
    "failure": _l("Échec"),
    "suspicious": _l("Suspect"),
    "info": _l("Information"),
}


def event_label(event: str) -> str:
    """The event's words; an unknown code (an older row, a new event) shows as it is."""
    label = EVENT_LABELS.get(event)
    return str(label) if label is not None else event


def outcome_label(outcome: str) -> str:
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else outcome
