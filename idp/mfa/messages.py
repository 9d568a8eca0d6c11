"""What the second-factor pages say about a refused code or a lock (one place, translated)."""

from __future__ import annotations

from flask_babel import gettext as _

from idp.mfa.errors import CodeReplayed, MfaError, RecoveryCodeInvalid, SecondFactorLocked

__all__ = ["code_error_message", "locked_message"]


def locked_message(exc: SecondFactorLocked) -> str:
    minutes, seconds = divmod(exc.retry_after, 60)
    if minutes:
        return str(
            _(
                "Trop d'essais infructueux. Réessayez dans %(minutes)d min.",
                minutes=minutes + (1 if seconds else 0),
            )
        )
    return str(_("Trop d'essais infructueux. Réessayez dans %(seconds)d s.", seconds=seconds))


def code_error_message(exc: MfaError) -> str:
    if isinstance(exc, SecondFactorLocked):
        return locked_message(exc)
    if isinstance(exc, RecoveryCodeInvalid):
        return str(_("Ce code de récupération n'est pas valide ou a déjà été utilisé."))
    if isinstance(exc, CodeReplayed):
        return str(_("Ce code a déjà été utilisé. Attendez le code suivant dans l'application."))
    return str(_("Code incorrect. Vérifiez le code affiché dans l'application et réessayez."))
