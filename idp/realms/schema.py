"""The schema of a realm preset: everything that makes a realm look and behave like its
seed guide.

Presets are TOML files (``idp/realms/<slug>.toml``) validated by these models; every table
forbids unknown keys so that a typo is an error, not a silently ignored setting. Load them
with ``idp.realms.preset`` to get errors with their field paths and lines.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from idp.policy.model import PasswordPolicy
from idp.realms.cas import CasSettings
from idp.realms.checks import cross_check
from idp.realms.demo_user import DemoUser, Language
from idp.realms.identifiers import IdentifierFormats
from idp.realms.issues import issues_error
from idp.realms.push import PushSettings
from idp.realms.recovery import RecoverySettings
from idp.realms.totp import TotpSettings

__all__ = [
    "Branding",
    "DemoUser",
    "Language",
    "LoginSettings",
    "PasswordPolicy",
    "RealmPreset",
    "SessionSettings",
    "UrlSettings",
]

_Frozen = ConfigDict(extra="forbid", frozen=True)
_COLOUR = r"^#[0-9a-fA-F]{6}$"
_PATH = r"^/[A-Za-z0-9._~/-]*$"
_URL = r"^(https://|/)[^\s]*$"


def _all_languages() -> list[Language]:
    return list(get_args(Language))


class Branding(BaseModel):
    model_config = _Frozen
    primary_color: str = Field(pattern=_COLOUR)
    secondary_color: str = Field(pattern=_COLOUR)
    logo_text: str = Field(min_length=1, max_length=60)
    tagline: str | None = Field(None, max_length=160)


class LoginSettings(BaseModel):
    """The sign-in page. ``variant`` picks the template family of the seed."""

    model_config = _Frozen
    variant: Literal["standard", "metamots", "cas", "nouvelle-aquitaine"] = "standard"
    title: str | None = Field(None, max_length=120)
    show_language_choice: bool = Field(False, strict=True)
    welcome_text: str | None = Field(None, max_length=1000)
    # Security notice shown next to the form (seed 004).
    notice: str | None = Field(None, max_length=1000)
    forgot_password_label: str = Field("Mot de passe oublié ?", min_length=1, max_length=120)


class SessionSettings(BaseModel):
    """Browser sessions: ended ``lifetime_minutes`` after sign-in whatever happens (absolute
    timeout), or after ``idle_minutes`` without a request (idle timeout), as Keycloak's SSO
    Session Max and SSO Session Idle."""

    model_config = _Frozen
    lifetime_minutes: int = Field(480, ge=5, le=43200, strict=True)
    idle_minutes: int = Field(30, ge=5, le=43200, strict=True)
    # How long a second factor proven at sign-in or by a step-up counts as fresh for a
    # sensitive change of « Mes informations de sécurité » (Entra asks for MFA within 10 min).
    step_up_minutes: int = Field(5, ge=1, le=60, strict=True)

    @model_validator(mode="after")
    def _idle_within_lifetime(self) -> SessionSettings:
        if self.idle_minutes > self.lifetime_minutes:
            raise ValueError("idle_minutes must not exceed lifetime_minutes")
        return self


class PasswordHashing(BaseModel):
    """argon2id cost for this realm's new hashes; unset fields take the server's default
    (``IDP_ARGON2_*``: OWASP's minimum for argon2id, m=19 MiB, t=2, p=1). A hash made with other
    parameters is upgraded at the user's next successful sign-in."""

    model_config = _Frozen
    memory_kib: int | None = Field(None, ge=8192, le=1048576, strict=True)
    time_cost: int | None = Field(None, ge=1, le=20, strict=True)
    parallelism: int | None = Field(None, ge=1, le=16, strict=True)


class UrlSettings(BaseModel):
    """Optional overrides; paths are relative to ``/realms/<slug>``, None means the app's
    default route."""

    model_config = _Frozen
    profile_path: str | None = Field(None, pattern=_PATH, max_length=200)
    change_password_path: str | None = Field(None, pattern=_PATH, max_length=200)
    help_url: str | None = Field(None, pattern=_URL, max_length=500)


class RealmPreset(BaseModel):
    model_config = _Frozen

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    display_name: str = Field(min_length=1, max_length=120)
    organisation: str = Field(min_length=1, max_length=160)
    languages: list[Language] = Field(default_factory=_all_languages, min_length=1)
    default_language: Language = Field("fr", validate_default=True)
    branding: Branding
    login: LoginSettings = Field(default_factory=LoginSettings)
    password_policy: PasswordPolicy
    recovery: RecoverySettings
    push: PushSettings = Field(default_factory=PushSettings)
    totp: TotpSettings = Field(default_factory=TotpSettings)
    sessions: SessionSettings = Field(default_factory=SessionSettings)
    password_hashing: PasswordHashing = Field(default_factory=PasswordHashing)
    urls: UrlSettings = Field(default_factory=UrlSettings)
    identifiers: IdentifierFormats = Field(default_factory=IdentifierFormats)
    cas: CasSettings = Field(default_factory=CasSettings)
    demo_users: list[DemoUser] = Field(default_factory=list, max_length=50)

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a language twice")
        return value

    @field_validator("default_language")
    @classmethod
    def _offered(cls, value: str, info: ValidationInfo) -> str:
        languages = info.data.get("languages")
        if languages is not None and value not in languages:
            raise ValueError(f"must be one of languages ({', '.join(languages)})")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RealmPreset:
        issues = cross_check(self)
        if issues:
            raise issues_error(issues)
        return self

    def demo_user(self, username: str) -> DemoUser:
        for user in self.demo_users:
            if user.username == username:
                return user
        raise KeyError(username)
