"""What an authorization request needs before a code is issued, and remembered consents.

``decide`` is pure policy over the request parameters and the browser session: sign in
(again), step up with a push, ask consent, or grant. ``prompt=none`` turns every interaction
into its OpenID Connect error. Consents are remembered per (user, client) and revocable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError, InvalidRequestError, scope_to_list
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    InteractionRequiredError,
    LoginRequiredError,
)
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from idp.audit.service import ClientInfo, record
from idp.auth.session import SessionAuth
from idp.extensions import db
from idp.models import OidcClient, OidcConsent, OidcToken, User
from idp.oidc.adapters import Subject

__all__ = [
    "ACR_MFA",
    "ACR_PASSWORD",
    "ACR_VALUES",
    "Decision",
    "TemporarilyUnavailableError",
    "acr_for",
    "can_step_up",
    "consents_of",
    "decide",
    "grant_consent",
    "has_consent",
    "revoke_consent",
]

# Authentication context classes: password only, or password and a second factor.
ACR_PASSWORD = "urn:sspr-push-lab:acr:pwd"  # noqa: S105 - a class name, no secret
ACR_MFA = "urn:sspr-push-lab:acr:mfa"
ACR_VALUES = (ACR_PASSWORD, ACR_MFA)


class TemporarilyUnavailableError(OAuth2Error):
    """RFC 6749 §4.1.2.1: the second factor cannot be sent now (push rate limit)."""

    error = "temporarily_unavailable"


Action = Literal["login", "step_up", "consent", "grant"]


@dataclass(frozen=True)
class Decision:
    action: Action
    subject: Subject | None = None


def acr_for(amr: tuple[str, ...]) -> str:
    return ACR_MFA if "mfa" in amr else ACR_PASSWORD


def can_step_up(user: User) -> bool:
    """A second factor can be asked: a push to an enrolled device, or a code from the app."""
    from idp.mfa.service import step_up_methods

    return bool(step_up_methods(user))


def _max_age(params: Mapping[str, str]) -> int | None:
    raw = params.get("max_age")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise InvalidRequestError("max_age must be a non-negative integer (seconds).")
    return int(raw)


def decide(
    params: Mapping[str, str],
    *,
    user: User | None,
    auth: SessionAuth | None,
    client: OidcClient,
    scope: str,
    can_step_up: bool,
    now: datetime,
) -> Decision:
    prompts = set((params.get("prompt") or "").split())
    silent = "none" in prompts
    max_age = _max_age(params)
    if user is None or auth is None:
        if silent:
            raise LoginRequiredError()
        return Decision("login")
    if "login" in prompts:
        return Decision("login")
    if max_age is not None and (now - auth.at).total_seconds() > max_age:
        if silent:
            raise LoginRequiredError()
        return Decision("login")
    wants_mfa = ACR_MFA in (params.get("acr_values") or "").split()
    if wants_mfa and "mfa" not in auth.amr:
        if silent:
            raise InteractionRequiredError()
        if not can_step_up:
            # Voluntary acr_values could be answered with a lower acr, but an application
            # that asks for a second factor is told plainly that none is possible.
            raise AccessDeniedError(
                "A second factor is required and no authenticator is enrolled for this account."
            )
        return Decision("step_up")
    if "consent" in prompts or not has_consent(user, client, scope):
        if silent:
            raise ConsentRequiredError()
        return Decision("consent")
    return Decision("grant", Subject(user, auth.at, acr_for(auth.amr), auth.amr))


def _consent_row(user: User, client: OidcClient) -> OidcConsent | None:
    return db.session.scalar(
        select(OidcConsent).where(
            OidcConsent.user_id == user.id, OidcConsent.client_pk == client.id
        )
    )


def has_consent(user: User, client: OidcClient, scope: str) -> bool:
    row = _consent_row(user, client)
    asked = set(scope_to_list(scope) or [])
    return row is not None and asked <= set(row.scope.split())


def grant_consent(
    user: User, client: OidcClient, scope: str, *, now: datetime, client_info: ClientInfo
) -> None:
    row = _consent_row(user, client)
    asked = set(scope_to_list(scope) or [])
    if row is None:
        try:
            # A savepoint: the same consent given in two tabs at once is one row, not a 500.
            with db.session.begin_nested():
                db.session.add(
                    OidcConsent(
                        user_id=user.id,
                        client_pk=client.id,
                        scope=" ".join(sorted(asked)),
                        granted_at=now,
                    )
                )
        except IntegrityError:
            row = _consent_row(user, client)
    if row is not None:
        row.scope = " ".join(sorted(asked | set(row.scope.split())))
        row.granted_at = now
    record(
        "oidc_consent_granted",
        "success",
        now=now,
        realm=client.realm.slug,
        user=user,
        client=client_info,
        details={"client_id": client.client_id, "scope": " ".join(sorted(asked))},
    )


def consents_of(user: User) -> list[OidcConsent]:
    return list(
        db.session.scalars(
            select(OidcConsent).where(OidcConsent.user_id == user.id).order_by(OidcConsent.id)
        )
    )


def revoke_consent(user: User, client_id: str, *, now: datetime, client_info: ClientInfo) -> bool:
    """Forget the consent and revoke the client's live access tokens for ``user``.

    False when there was no such consent (nothing changed).
    """
    row = db.session.scalar(
        select(OidcConsent)
        .join(OidcClient, OidcClient.id == OidcConsent.client_pk)
        .where(OidcConsent.user_id == user.id, OidcClient.client_id == client_id)
    )
    if row is None:
        return False
    db.session.execute(
        update(OidcToken)
        .where(
            OidcToken.user_id == user.id,
            OidcToken.client_pk == row.client_pk,
            OidcToken.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    db.session.delete(row)
    record(
        "oidc_consent_revoked",
        "success",
        now=now,
        realm=user.realm.slug,
        user=user,
        client=client_info,
        details={"client_id": client_id},
    )
    return True
