"""The accounts an authenticator holds, as stored in the vault.

An :class:`Account` is what the user sees in the list (issuer, name). It may carry a push
enrollment (:class:`PushDevice`: the device key, its id at the IdP, the pinned realm JWKS, the
realm's URLs), one-time-code parameters (:class:`OtpParameters`, from an ``otpauth://`` URI or
from the enrollment receipt), or both; or a privacyIDEA push token (:class:`PiPushDevice`, see
:mod:`authenticator_app.core.pipush`). Models are immutable; the vault replaces them whole.

Secrets (the device private key, the OTP secret) are excluded from ``repr`` and never leave the
vault except as what they compute (a signature, a code).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from authenticator_app.core.errors import AccountAmbiguous, AccountNotFound
from shared.keys import Jwks
from shared.messages.fields import MatchingMode

__all__ = [
    "Account",
    "AccountKind",
    "OtpAlgorithm",
    "OtpParameters",
    "PiPushDevice",
    "PushDevice",
    "find_accounts",
    "select_account",
]

OtpAlgorithm = Literal["SHA1", "SHA256", "SHA512"]
AccountKind = Literal["push", "pipush", "totp", "hotp"]
Text = Annotated[str, Field(min_length=1, max_length=2048)]


class _Stored(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OtpParameters(_Stored):
    """RFC 4226 (HOTP) / RFC 6238 (TOTP) parameters, as in the Key URI format."""

    type: Literal["totp", "hotp"] = "totp"
    secret: Annotated[str, Field(min_length=16, max_length=1024, pattern=r"^[A-Z2-7]+$")] = Field(
        repr=False
    )
    """Base32, upper case, no padding (at least 80 bits)."""
    digits: Annotated[int, Field(ge=6, le=8)] = 6
    algorithm: OtpAlgorithm = "SHA1"
    period: Annotated[int, Field(ge=1, le=3600)] = 30
    """TOTP: seconds per code."""
    counter: Annotated[int, Field(ge=0, le=2**63 - 1)] = 0
    """HOTP: the counter of the next code."""


class PushDevice(_Stored):
    """This app's enrollment as a push device of one realm."""

    device_id: Text
    """The IdP's id for this device: ``kid``/``iss`` of its messages, ``aud`` of challenges."""
    device_name: Text
    realm: Text
    realm_url: Text
    """``{idp base url}/realms/{realm}``: ``iss`` of challenges, ``aud`` of device messages."""
    api_url: Text
    """Base URL of the device API (from the receipt)."""
    private_key_pem: str = Field(repr=False, max_length=4096)
    """The device's P-256 private key (PKCS#8 PEM). Never leaves the vault."""
    jwks: Jwks
    """The realm keys pinned at enrollment; challenges must be signed by one of them."""
    profile_url: Text
    change_password_url: Text
    matching_mode: MatchingMode
    enrolled_at: AwareDatetime


class PiPushDevice(_Stored):
    """A privacyIDEA push token (poll only) held by this app: its RSA key and the pinned
    server key (see :mod:`authenticator_app.core.pipush`)."""

    serial: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
    url: Text
    """privacyIDEA's ``/ttype/push`` endpoint (the enrollment URI's ``url``)."""
    sslverify: bool = True
    private_key_pem: str = Field(repr=False, max_length=8192)
    """This device's RSA private key (PKCS#8 PEM). Never leaves the vault."""
    server_public_key_pem: Annotated[str, Field(max_length=4096)]
    """The token's server key received at enrollment (SubjectPublicKeyInfo PEM), pinned:
    challenges must be signed by it."""
    poll_only: bool = True
    enrolled_at: AwareDatetime


class Account(_Stored):
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    """Local id (stable, never shown to the IdP)."""
    issuer: Annotated[str, Field(max_length=256)] = ""
    name: Annotated[str, Field(min_length=1, max_length=512)]
    """The account name (the user's identifier at the issuer)."""
    added_at: AwareDatetime
    push: PushDevice | None = None
    otp: OtpParameters | None = None
    pipush: PiPushDevice | None = None

    @model_validator(mode="after")
    def _has_something(self) -> Self:
        if self.push is None and self.otp is None and self.pipush is None:
            raise ValueError("an account holds a push enrollment, OTP parameters, or both")
        return self

    @property
    def label(self) -> str:
        """``issuer:name`` (or just the name), as authenticator apps show it."""
        return f"{self.issuer}:{self.name}" if self.issuer else self.name

    @property
    def kinds(self) -> list[AccountKind]:
        kinds: list[AccountKind] = []
        if self.push is not None:
            kinds.append("push")
        if self.pipush is not None:
            kinds.append("pipush")
        if self.otp is not None:
            kinds.append(self.otp.type)
        return kinds

    def with_otp(self, otp: OtpParameters) -> Account:
        return self.model_copy(update={"otp": otp})

    def renamed(self, name: str) -> Account:
        return self.model_copy(update={"name": name})


def find_accounts(accounts: Sequence[Account], query: str | None) -> list[Account]:
    """Accounts matching ``query``: the local id, else ``issuer:name`` exactly (case-insensitive),
    else a substring of the label (case-insensitive). ``None`` or empty matches all."""
    if not query:
        return list(accounts)
    by_id = [a for a in accounts if a.id == query]
    if by_id:
        return by_id
    wanted = query.casefold()
    exact = [a for a in accounts if a.label.casefold() == wanted]
    if exact:
        return exact
    return [a for a in accounts if wanted in a.label.casefold()]


def select_account(accounts: Sequence[Account], query: str | None) -> Account:
    """The one account matching ``query`` (:class:`AccountNotFound`, :class:`AccountAmbiguous`)."""
    found = find_accounts(accounts, query)
    if not found:
        raise AccountNotFound(f"no account matches {query!r}" if query else "no account")
    if len(found) > 1:
        labels = ", ".join(a.label for a in found[:5])
        raise AccountAmbiguous(f"{len(found)} accounts match: {labels}")
    return found[0]
