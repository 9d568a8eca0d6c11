"""Adding an account: scan a QR code with the camera, paste a link, type the activation code
and server by hand, or read a QR code from an image file.

Every way ends in :meth:`authenticator_app.core.enrollment.Enroller.add_uri`: a push enrollment
offer (``otpauth://idp-push/``) enrolls this device at the IdP; ``otpauth://totp/`` and
``otpauth://hotp/`` add a code account. By hand, the activation code and the server address the
IdP shows next to its QR code become an offer (the IdP still checks the code and its expiry).
A scanned link (:mod:`~authenticator_app.presenters.scan`) takes the pasted link's path.
Every failure is shown with its stable code's explanation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Final, Literal, Protocol
from urllib.parse import urlsplit

from pydantic import ValidationError

from authenticator_app.core.accounts import Account
from authenticator_app.core.enrollment import Enroller
from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.core.pipush.uri import is_pipush_uri
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.runner import Runner
from shared.messages import EnrollmentOffer, is_enrollment_uri
from shared.timing import unix_time

__all__ = [
    "AddAccountModel",
    "AddAccountPresenter",
    "AddAccountView",
    "AddMode",
    "is_account_link",
    "manual_offer",
]

AddMode = Literal["link", "code", "image"]
# The IdP's offers live 5 minutes; a hand-made offer claims as much (the IdP has the real expiry).
MANUAL_OFFER_LIFETIME: Final = timedelta(minutes=5)
_REALM_IN_PATH = re.compile(r"^(?P<base>.*?)/realms/(?P<realm>[a-z0-9][a-z0-9-]*)/?$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{6,128}$")


def is_account_link(text: str) -> bool:
    """Whether a QR code's text is for this screen: an enrollment offer, any ``otpauth``
    scheme (``otpauth://``, ``otpauth-migration://``), or a privacyIDEA push token. The
    enroller decides what it supports, with the same errors as for a pasted link."""
    text = text.strip()
    return (
        is_enrollment_uri(text)
        or is_pipush_uri(text)
        or text.lower().startswith(("otpauth://", "otpauth-migration://"))
    )


@dataclass(frozen=True, slots=True)
class AddAccountModel:
    mode: AddMode
    busy: bool = False
    busy_text: str = ""
    error: ErrorNotice | None = None


class AddAccountView(Protocol):
    def render(self, model: AddAccountModel) -> None: ...

    def clear_inputs(self) -> None: ...


def manual_offer(code: str, server: str, realm: str, *, now_unix: int) -> str:
    """The enrollment URI for an activation code typed by hand (:class:`AppInputError`).

    ``server`` is the IdP address, or a realm address ``.../realms/<realm>`` (then ``realm`` may
    be empty). The label is provisional: the receipt names the account.
    """
    code, server, realm = code.strip(), server.strip().rstrip("/"), realm.strip().lower()
    if not _CODE.fullmatch(code):
        raise AppInputError("activation_code_invalid")
    parts = urlsplit(server)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise AppInputError("server_url_invalid")
    found = _REALM_IN_PATH.match(server)
    if found is not None:
        server, realm = found["base"], realm or found["realm"]
    if not realm:
        raise AppInputError("realm_missing")
    try:
        offer = EnrollmentOffer(
            url=server,
            realm=realm,
            issuer=realm,
            account=realm,
            code=code,
            exp=now_unix + int(MANUAL_OFFER_LIFETIME.total_seconds()),
        )
    except ValidationError as exc:
        fields = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        raise AppInputError(
            "realm_missing" if fields == {"realm"} else "server_url_invalid"
        ) from None
    return offer.to_uri()


class AddAccountPresenter:
    def __init__(
        self,
        view: AddAccountView,
        *,
        enroller: Enroller,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        read_qr: Callable[[Path], list[str]],
        on_added: Callable[[Account], None],
        device_name: str | None = None,
    ) -> None:
        self.view = view
        self._enroller = enroller
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._read_qr = read_qr
        self._on_added = on_added
        self._device_name = device_name
        self._mode: AddMode = "link"
        self._busy_text = ""
        self._error: ErrorNotice | None = None

    def start(self) -> None:
        self._busy_text = ""
        self._error = None
        self.view.clear_inputs()
        self.refresh()

    def refresh(self) -> None:
        self.view.render(
            AddAccountModel(
                mode=self._mode,
                busy=bool(self._busy_text),
                busy_text=self._busy_text,
                error=self._error,
            )
        )

    def set_mode(self, mode: AddMode) -> None:
        self._mode = mode
        self._error = None
        self.refresh()

    def back(self) -> None:
        self._nav.back()

    # --- the four ways in -----------------------------------------------------------------

    def scan(self) -> None:
        """Open the camera screen; what it reads comes back through :meth:`submit_scanned`."""
        if not self._busy_text:
            self._error = None
            self._nav.show("scan")

    def submit_scanned(self, uri: str) -> None:
        """A link read by the camera: exactly the pasted link's path."""
        self.submit_link(uri)

    def submit_link(self, text: str) -> None:
        if not self._busy_text:
            self._add(text.strip())

    def submit_code(self, code: str, server: str, realm: str = "") -> None:
        if self._busy_text:
            return
        try:
            uri = manual_offer(code, server, realm, now_unix=unix_time(self._enroller.clock()))
        except AppInputError as error:
            self._failed(error)
            return
        self._add(uri)

    def read_image(self, path: str) -> None:
        if self._busy_text:
            return
        if not path.strip():
            self._failed(AppInputError("file_missing"))
            return
        self._start(self._("Lecture de l’image…"))
        self._runner.submit(
            lambda: self._read_qr(Path(path.strip()).expanduser()),
            self._decoded,
            self._failed,
        )

    def _decoded(self, texts: list[str]) -> None:
        links = [t.strip() for t in texts if is_account_link(t)]
        if not links:
            self._failed(AppInputError("qr_not_found" if not texts else "qr_not_an_account"))
            return
        self._add(links[0])

    # --- adding ---------------------------------------------------------------------------

    def _start(self, text: str) -> None:
        self._busy_text = text
        self._error = None
        self.refresh()

    def _add(self, uri: str) -> None:
        enrolling = is_enrollment_uri(uri)
        self._start(
            self._("Inscription de l’appareil auprès du serveur…")
            if enrolling
            else self._("Ajout du compte…")
        )
        self._runner.submit(
            lambda: self._enroller.add_uri(uri, device_name=self._device_name),
            self._added,
            self._failed,
        )

    def _added(self, account: Account) -> None:
        self._busy_text = ""
        self._error = None
        self.view.clear_inputs()
        self.refresh()
        self._nav.notice(self._("Compte ajouté : {label}").format(label=account.label))
        self._on_added(account)
        self._nav.show("accounts")

    def _failed(self, error: AuthenticatorError) -> None:
        self._busy_text = ""
        self._error = describe_error(error, self._)
        self.refresh()
