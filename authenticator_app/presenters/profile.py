"""An account's profile: details, device, code, "Changer de mot de passe", rename, remove.

"Changer de mot de passe" opens the realm's change-password URL for this account (from the
enrollment receipt) with the injected URL opener (the system browser), as step 03 of seed 000.
Removing a push account first removes the device at the IdP; when the IdP cannot be reached the
user may still remove it from this device only (the IdP keeps a stale device, which its profile
page lets the user remove).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Protocol

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import Clock, system_clock
from authenticator_app.core.errors import AccountNotFound, AuthenticatorError, NetworkError
from authenticator_app.core.otp import generate_code
from authenticator_app.core.push_service import PushService
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import N_, Translator
from authenticator_app.presenters.errors import AppInputError, ErrorNotice, describe_error
from authenticator_app.presenters.formatting import format_datetime, group_code, hidden_code
from authenticator_app.presenters.navigation import Navigator
from authenticator_app.presenters.runner import Runner

__all__ = ["DetailLine", "ProfileModel", "ProfilePresenter", "ProfileView"]

MAX_NAME_LENGTH: Final = 512
_GONE_AT_IDP: Final = frozenset({"device_unknown", "device_revoked"})
_MATCHING: Final = {
    "typed": N_("Saisie du numéro affiché"),
    "choose": N_("Choix parmi trois numéros"),
    "none": N_("Sans numéro"),
}


@dataclass(frozen=True, slots=True)
class DetailLine:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class ProfileModel:
    account_id: str
    title: str
    issuer: str
    name: str
    kinds_text: str
    has_code: bool = False
    code: str = ""
    code_revealed: bool = True
    remaining: int = 0
    period: int = 0
    can_change_password: bool = False
    can_open_profile: bool = False
    details: tuple[DetailLine, ...] = ()
    device: tuple[DetailLine, ...] = ()
    renaming: bool = False
    confirming_removal: bool = False
    removal_text: str = ""
    offer_local_removal: bool = False
    busy: bool = False
    error: ErrorNotice | None = None
    link: str = ""
    """An address to show when no browser could open it."""


class ProfileView(Protocol):
    def render(self, model: ProfileModel) -> None: ...


@dataclass
class _State:
    account_id: str = ""
    hotp_code: str = ""
    renaming: bool = False
    confirming: bool = False
    offer_local: bool = False
    busy: bool = False
    error: ErrorNotice | None = None
    link: str = ""


class ProfilePresenter:
    def __init__(
        self,
        view: ProfileView,
        *,
        vault: Vault,
        service: PushService,
        navigator: Navigator,
        translator: Translator,
        runner: Runner,
        open_url: Callable[[str], bool],
        copy_text: Callable[[str], None],
        on_accounts_changed: Callable[[], None],
        clock: Clock = system_clock,
    ) -> None:
        self.view = view
        self.vault = vault
        self._service = service
        self._nav = navigator
        self._ = translator
        self._runner = runner
        self._open_url = open_url
        self._copy_text = copy_text
        self._changed = on_accounts_changed
        self._clock = clock
        self._state = _State()

    # --- rendering ------------------------------------------------------------------------

    def load(self, account_id: str) -> None:
        self._state = _State(account_id=account_id)
        self.refresh()

    def _account(self) -> Account | None:
        try:
            return self.vault.account(self._state.account_id)
        except AccountNotFound:
            return None

    def refresh(self) -> None:
        account = self._account()
        if account is None:
            return
        _ = self._
        otp = account.otp
        code, revealed, remaining, period = "", True, 0, 0
        if otp is not None and otp.type == "totp":
            current = generate_code(otp, self._clock())
            code, remaining, period = group_code(current.code), current.remaining or 0, otp.period
        elif otp is not None:
            revealed = bool(self._state.hotp_code)
            code = self._state.hotp_code or hidden_code(otp.digits)
        state = self._state
        self.view.render(
            ProfileModel(
                account_id=account.id,
                title=account.issuer or account.name,
                issuer=account.issuer,
                name=account.name,
                kinds_text=self._kinds(account),
                has_code=otp is not None,
                code=code,
                code_revealed=revealed,
                remaining=remaining,
                period=period,
                can_change_password=account.push is not None,
                can_open_profile=account.push is not None,
                details=self._details(account),
                device=self._device(account),
                renaming=state.renaming,
                confirming_removal=state.confirming,
                removal_text=_(
                    "Supprimer {label} de cet appareil ? Vous ne recevrez plus ses demandes "
                    "de connexion ni ses codes."
                ).format(label=account.label),
                offer_local_removal=state.offer_local,
                busy=state.busy,
                error=state.error,
                link=state.link,
            )
        )

    def _kinds(self, account: Account) -> str:
        _ = self._
        parts = []
        if account.push is not None:
            parts.append(_("Notifications push"))
        if account.pipush is not None:
            parts.append(_("Notifications push privacyIDEA"))
        if account.otp is not None:
            parts.append(
                _("Codes à usage unique (TOTP)")
                if account.otp.type == "totp"
                else _("Codes à compteur (HOTP)")
            )
        return " + ".join(parts)

    def _details(self, account: Account) -> tuple[DetailLine, ...]:
        _ = self._
        lang = self._.language
        lines = [
            DetailLine(_("Émetteur"), account.issuer or "—"),
            DetailLine(_("Identifiant"), account.name),
            DetailLine(_("Type"), self._kinds(account)),
            DetailLine(_("Ajouté le"), format_datetime(account.added_at, lang)),
        ]
        if account.otp is not None:
            otp = account.otp
            lines.append(DetailLine(_("Chiffres"), str(otp.digits)))
            lines.append(DetailLine(_("Algorithme"), otp.algorithm))
            if otp.type == "totp":
                lines.append(DetailLine(_("Période"), f"{otp.period} s"))
        return tuple(lines)

    def _device(self, account: Account) -> tuple[DetailLine, ...]:
        push = account.push
        _ = self._
        if push is None and account.pipush is not None:
            pi = account.pipush
            return (
                DetailLine(_("Numéro de série"), pi.serial),
                DetailLine(_("Inscrit le"), format_datetime(pi.enrolled_at, self._.language)),
                DetailLine(_("Serveur"), pi.url),
            )
        if push is None:
            return ()
        return (
            DetailLine(_("Nom de l'appareil"), push.device_name),
            DetailLine(_("Identifiant de l'appareil"), push.device_id),
            DetailLine(_("Organisation"), push.realm),
            DetailLine(_("Vérification du numéro"), _(_MATCHING.get(push.matching_mode, "—"))),
            DetailLine(_("Inscrit le"), format_datetime(push.enrolled_at, self._.language)),
            DetailLine(_("Serveur"), push.realm_url),
        )

    def tick(self) -> None:
        if not self._state.busy:
            self.refresh()

    # --- actions --------------------------------------------------------------------------

    def back(self) -> None:
        self._nav.back()

    def _open(self, url: str) -> None:
        self._state.error = None
        self._state.link = ""
        if not self._open_url(url):
            self._state.error = describe_error("browser_unavailable", self._)
            self._state.link = url
        self.refresh()

    def change_password(self) -> None:
        """Seed 000, step 03: open the realm's change-password page in the browser."""
        account = self._account()
        if account is not None and account.push is not None:
            self._open(account.push.change_password_url)

    def open_profile(self) -> None:
        account = self._account()
        if account is not None and account.push is not None:
            self._open(account.push.profile_url)

    def reveal_code(self) -> None:
        """HOTP: compute the next code (its counter is stored first, so it is never reused)."""
        account = self._account()
        if account is None or account.otp is None or account.otp.type != "hotp":
            return
        code = generate_code(account.otp, self._clock())
        try:
            if code.next_parameters is not None:
                self.vault.replace_account(account.with_otp(code.next_parameters))
        except AuthenticatorError as error:
            self._state.error = describe_error(error, self._)
        else:
            self._state.hotp_code = group_code(code.code)
            self._state.error = None
        self.refresh()

    def copy_code(self) -> None:
        account = self._account()
        if account is None or account.otp is None:
            return
        if account.otp.type == "totp":
            digits = generate_code(account.otp, self._clock()).code
        elif self._state.hotp_code:
            digits = self._state.hotp_code.replace(" ", "")
        else:
            return
        self._copy_text(digits)
        self._nav.notice(self._("Code copié"))

    def start_rename(self) -> None:
        self._state.renaming = True
        self._state.error = None
        self.refresh()

    def cancel_rename(self) -> None:
        self._state.renaming = False
        self._state.error = None
        self.refresh()

    def rename(self, name: str) -> None:
        account = self._account()
        if account is None:
            return
        name = " ".join(name.split())
        try:
            if not name or len(name) > MAX_NAME_LENGTH:
                raise AppInputError("name_empty")
            self.vault.replace_account(account.renamed(name))
        except AuthenticatorError as error:
            self._state.error = describe_error(error, self._)
        else:
            self._state.renaming = False
            self._state.error = None
            self._nav.notice(self._("Compte renommé"))
            self._changed()
        self.refresh()

    def ask_remove(self) -> None:
        self._state.confirming = True
        self._state.offer_local = False
        self._state.error = None
        self.refresh()

    def cancel_remove(self) -> None:
        self._state.confirming = False
        self._state.offer_local = False
        self._state.error = None
        self.refresh()

    def confirm_remove(self) -> None:
        account = self._account()
        if account is None or self._state.busy:
            return
        self._state.busy = True
        self._state.error = None
        self.refresh()
        if account.push is None:
            self._runner.submit(
                lambda: self.vault.remove_account(account.id), self._removed, self._not_removed
            )
            return

        def work() -> None:
            self._service.unenroll(account)
            if any(a.id == account.id for a in self.vault.accounts):
                self.vault.remove_account(account.id)  # it also had codes

        self._runner.submit(work, self._removed, self._unenroll_failed)

    def remove_locally(self) -> None:
        """After the IdP could not be reached: forget the account on this device only."""
        account = self._account()
        if account is None:
            return
        self._state.busy = True
        self.refresh()
        self._runner.submit(
            lambda: self.vault.remove_account(account.id), self._removed, self._not_removed
        )

    def _unenroll_failed(self, error: AuthenticatorError) -> None:
        if error.code in _GONE_AT_IDP:
            self.remove_locally()  # the IdP already forgot this device
            return
        self._state.offer_local = isinstance(error, NetworkError)
        self._not_removed(error)

    def _not_removed(self, error: AuthenticatorError) -> None:
        self._state.busy = False
        self._state.error = describe_error(error, self._)
        self.refresh()

    def _removed(self, _result: None) -> None:
        self._state = _State()
        self._nav.notice(self._("Compte supprimé"))
        self._changed()
        self._nav.show("accounts")
