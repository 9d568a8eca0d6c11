"""Errors on screen: every failure is explained by its stable code, in the current language.

The message is the core catalog's English sentence for the code
(:data:`authenticator_app.core.catalog.MESSAGES`), or one of :data:`APP_MESSAGES` (codes only
the GUI raises), translated through the app catalog. The title says what kind of trouble it is
(network, server down, clock, vault, input...) so the user knows what to do; the code itself is
shown small, for support and testers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from authenticator_app.core.catalog import MESSAGES
from authenticator_app.core.errors import AuthenticatorError, InputError
from authenticator_app.i18n import N_

__all__ = [
    "APP_MESSAGES",
    "CLOCK_CODES",
    "AppInputError",
    "ErrorNotice",
    "describe_error",
    "error_message",
]

Translate = Callable[[str], str]

# Codes raised by the presenters themselves; English sentences, like the core catalog.
APP_MESSAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "clock_offset_invalid": "the clock offset is a whole number of seconds within 400 days",
        "pin_wait": "too many wrong PINs: wait before trying again",
        "qr_unreadable": "this file is not an image the app can read",
        "qr_not_found": "no QR code was found in this image",
        "qr_reader_unavailable": "reading QR codes is not available on this device",
        "qr_not_an_account": "this QR code holds no account link",
        "camera_unavailable": (
            "no camera could be used on this device: paste the link or read an image instead"
        ),
        "camera_permission_denied": (
            "the app may not use the camera: allow it in the system settings, or paste the link"
        ),
        "camera_frame_invalid": "the camera sent a picture the app cannot read",
        "activation_code_invalid": "the activation code has 6 to 128 letters, digits, - or _",
        "server_url_invalid": (
            "the server address must start with https:// (http:// only on this machine)"
        ),
        "realm_missing": "give the organisation, or an address ending in /realms/<name>",
        "number_incomplete": "type the two-digit number shown in the browser",
        "name_empty": "the name must not be empty",
        "file_missing": "choose an image file first",
        "browser_unavailable": "no web browser could be opened: the address is shown below",
        "unexpected_error": "something went wrong in the app",
        "import_source_missing": "choose a file or paste an otpauth:// link first",
        "import_password_needed": "this file is encrypted: type its password",
        "export_path_missing": "choose where to write the export file",
        # the GUI's words for core codes whose CLI sentence speaks of options and variables
        "export_exists": "this file exists: choose another name or allow replacing it",
        "backup_password_missing": "type a password for the backup",
    }
)

CLOCK_CODES: Final = frozenset(
    {"challenge_not_yet_valid", "message_expired", "message_not_yet_valid"}
)
_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "idp_unreachable": N_("Serveur injoignable"),
        "idp_unavailable": N_("Serveur indisponible"),
        "idp_response_invalid": N_("Réponse inattendue du serveur"),
        "unexpected_error": N_("Erreur inattendue"),
        "qr_not_an_account": N_("Code QR non reconnu"),
        "camera_unavailable": N_("Caméra indisponible"),
        "camera_permission_denied": N_("Accès à la caméra refusé"),
        "camera_frame_invalid": N_("Caméra indisponible"),
        "import_password_needed": N_("Fichier chiffré"),
        "import_password_wrong": N_("Mot de passe incorrect"),
        "import_version_unsupported": N_("Mettez l’application à jour"),
        **dict.fromkeys(CLOCK_CODES, N_("Vérifiez l’heure de l’appareil")),
    }
)
_KIND_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "network": N_("Problème de connexion"),
        "vault": N_("Problème de coffre-fort"),
        "input": N_("Vérifiez votre saisie"),
        "refused": N_("Refusé"),
    }
)


class AppInputError(InputError):
    """An input error found by a presenter; ``code`` is one of :data:`APP_MESSAGES`."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail, code=code)

    @property
    def message(self) -> str:
        return error_message(self.code, self.detail)


def error_message(code: str, detail: str = "") -> str:
    """The English sentence (the msgid) for ``code``."""
    if code in APP_MESSAGES:
        return APP_MESSAGES[code]
    if code in MESSAGES:
        return MESSAGES[code]
    return f"the request failed ({code})"


@dataclass(frozen=True, slots=True)
class ErrorNotice:
    code: str
    title: str
    text: str


def describe_error(error: AuthenticatorError | str, _: Translate) -> ErrorNotice:
    """Title and text for an error (or a bare code), in the current language."""
    code = error if isinstance(error, str) else error.code
    kind = "refused" if isinstance(error, str) else error.kind
    title = _TITLES.get(code) or _KIND_TITLES.get(kind, _KIND_TITLES["refused"])
    text = _(error_message(code))
    if text:
        text = text[0].upper() + text[1:]
        if not text.endswith((".", "!", "?")):
            text += "."
    return ErrorNotice(code=code, title=_(title), text=text)
