"""The home screen ("écran d'accueil"): every account with its current code and countdown.

TOTP codes come from the injected clock only, so they keep working offline. An HOTP code moves
its counter when shown, so the list never computes one (the profile does, on request). Push-only
accounts are marked as such. The search matches issuer and name, ignoring case and accents.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal, Protocol

from authenticator_app.core.accounts import Account
from authenticator_app.core.clock import Clock, system_clock
from authenticator_app.core.errors import AuthenticatorError
from authenticator_app.core.otp import totp_code
from authenticator_app.core.vault import Vault
from authenticator_app.i18n import Translator
from authenticator_app.presenters.errors import describe_error
from authenticator_app.presenters.formatting import group_code, hidden_code
from authenticator_app.presenters.navigation import Navigator

__all__ = [
    "AccountRow",
    "AccountsModel",
    "AccountsPresenter",
    "AccountsView",
    "StatusLevel",
    "StatusLine",
    "fold",
]

StatusLevel = Literal["ok", "info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class StatusLine:
    """A line above the list: the push connection, offline mode, a vault problem."""

    text: str = ""
    level: StatusLevel = "ok"


@dataclass(frozen=True, slots=True)
class AccountRow:
    account_id: str
    issuer: str
    name: str
    code: str
    """Grouped digits (``123 456``), dots for HOTP, empty for push-only accounts."""
    caption: str
    """Under the name: "Notifications push", "Appuyez pour afficher le code"..."""
    remaining: int = 0
    period: int = 0
    push: bool = False
    push_only: bool = False


@dataclass(frozen=True, slots=True)
class AccountsModel:
    rows: tuple[AccountRow, ...]
    query: str
    empty_text: str
    status: StatusLine
    total: int


class AccountsView(Protocol):
    def render(self, model: AccountsModel) -> None: ...


def fold(text: str) -> str:
    """Lower case without accents, for searching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class AccountsPresenter:
    def __init__(
        self,
        view: AccountsView,
        *,
        vault: Vault,
        navigator: Navigator,
        translator: Translator,
        clock: Clock = system_clock,
    ) -> None:
        self.view = view
        self.vault = vault
        self._nav = navigator
        self._ = translator
        self._clock = clock
        self._query = ""
        self._status = StatusLine()
        self._vault_status = StatusLine()

    def reload(self) -> None:
        """Re-read the vault (a headless run may have changed it), then render."""
        try:
            self.vault.reload()
            self._vault_status = StatusLine()
        except AuthenticatorError as error:
            # Keep showing what was loaded: nothing is lost, and codes keep working.
            notice = describe_error(error, self._)
            self._vault_status = StatusLine(f"{notice.title} : {notice.text}", "error")
        self.refresh()

    def refresh(self) -> None:
        accounts = self.vault.accounts
        wanted = fold(self._query.strip())
        shown = [a for a in accounts if not wanted or wanted in fold(f"{a.issuer} {a.name}")]
        if not accounts:
            empty = self._("Aucun compte pour l’instant. Appuyez sur « + » pour en ajouter un.")
        elif not shown:
            empty = self._("Aucun compte ne correspond à « {query} ».").format(query=self._query)
        else:
            empty = ""
        self.view.render(
            AccountsModel(
                rows=tuple(self._row(a) for a in shown),
                query=self._query,
                empty_text=empty,
                status=self._vault_status if self._vault_status.text else self._status,
                total=len(accounts),
            )
        )

    def _row(self, account: Account) -> AccountRow:
        _ = self._
        push = account.push is not None
        otp = account.otp
        if otp is None:
            return AccountRow(
                account.id,
                account.issuer,
                account.name,
                code="",
                caption=_("Notifications push uniquement"),
                push=True,
                push_only=True,
            )
        if otp.type == "hotp":
            return AccountRow(
                account.id,
                account.issuer,
                account.name,
                code=hidden_code(otp.digits),
                caption=_("Compteur (HOTP) : ouvrez le compte pour afficher le code"),
                push=push,
            )
        code = totp_code(otp, self._clock())
        caption = _("Notifications push et codes") if push else _("Codes à usage unique")
        return AccountRow(
            account.id,
            account.issuer,
            account.name,
            code=group_code(code.code),
            caption=caption,
            remaining=code.remaining or 0,
            period=code.period or otp.period,
            push=push,
        )

    # --- actions --------------------------------------------------------------------------

    def tick(self) -> None:
        """Once a second: codes and countdowns move on."""
        self.refresh()

    def search(self, query: str) -> None:
        self._query = query
        self.refresh()

    def set_status(self, status: StatusLine) -> None:
        self._status = status
        self.refresh()

    def open(self, account_id: str) -> None:
        self._nav.show("profile", account_id)

    def add(self) -> None:
        self._nav.show("add")

    def settings(self) -> None:
        self._nav.show("settings")
