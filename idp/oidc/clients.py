"""Relying parties registered per realm (``idp client add|list|remove``).

A confidential client gets a secret shown once (only its SHA-256 is kept); a public client
(single-page or native app) has none and must use PKCE with S256. Redirect URIs are matched
exactly, character for character, as OAuth 2.0 Security BCP asks.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select

from idp.audit.service import ClientInfo, record
from idp.errors import IdpError
from idp.extensions import db
from idp.models import OidcClient, OidcConsent, Realm
from idp.oidc.keys import ensure_rsa_key
from idp.oidc.secrets import digest, new_secret

__all__ = [
    "ID_TOKEN_ALGS",
    "ClientNotFound",
    "InvalidClientMetadata",
    "Registered",
    "consent_counts",
    "find_client",
    "list_clients",
    "register_client",
    "remove_client",
]

ID_TOKEN_ALGS = ("ES256", "RS256")
_NETLOC = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:]+\](:[0-9]{1,5})?")


class ClientNotFound(IdpError):
    code = "client_not_found"


class InvalidClientMetadata(IdpError):
    """``kind`` says which rule failed (pages translate it): name, no_uri, alg, not_absolute,
    https_required, host, fragment, credentials, too_long."""

    code = "invalid_client_metadata"

    def __init__(self, detail: str, *, kind: str, uri: str = "") -> None:
        super().__init__(detail)
        self.kind = kind
        self.uri = uri


@dataclass(frozen=True)
class Registered:
    client: OidcClient
    # The plain secret, only at registration (confidential clients); never stored.
    secret: str | None


def _check_uri(uri: str, option: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidClientMetadata(
            f"{option} {uri!r} is not an absolute http(s) URL", kind="not_absolute", uri=uri
        )
    if parts.scheme == "http" and not loopback:
        # Codes travel in this URL: plain http only for loopback (RFC 8252 §7.3).
        raise InvalidClientMetadata(
            f"{option} {uri!r} must use https (http only on loopback)",
            kind="https_required",
            uri=uri,
        )
    if not _NETLOC.fullmatch(parts.netloc):
        # The origin goes into a CSP header (idp.oidc.continuation): plain host[:port] only.
        raise InvalidClientMetadata(
            f"{option} {uri!r} has an unusual host part", kind="host", uri=uri
        )
    if parts.fragment or "#" in uri:
        raise InvalidClientMetadata(
            f"{option} {uri!r} must not have a fragment (RFC 6749 §3.1.2)",
            kind="fragment",
            uri=uri,
        )
    if parts.username or parts.password:
        raise InvalidClientMetadata(
            f"{option} {uri!r} must not carry credentials", kind="credentials", uri=uri
        )
    if len(uri) > 2000:
        raise InvalidClientMetadata(
            f"{option} is longer than 2000 characters", kind="too_long", uri=uri[:80]
        )
    return uri


def register_client(
    realm: Realm,
    name: str,
    *,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str] = (),
    public: bool = False,
    id_token_alg: str = "ES256",  # noqa: S107 - an algorithm name
    now: datetime,
    actor: str = "cli",
    reason: str = "",
    client_info: ClientInfo | None = None,
) -> Registered:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidClientMetadata("the client name must have 1 to 200 characters", kind="name")
    if not redirect_uris:
        raise InvalidClientMetadata("at least one --redirect-uri is required", kind="no_uri")
    if id_token_alg not in ID_TOKEN_ALGS:
        raise InvalidClientMetadata(
            f"id token algorithm must be one of {', '.join(ID_TOKEN_ALGS)}", kind="alg"
        )
    uris = [_check_uri(u, "--redirect-uri") for u in dict.fromkeys(redirect_uris)]
    logout = [
        _check_uri(u, "--post-logout-redirect-uri")
        for u in dict.fromkeys(post_logout_redirect_uris)
    ]
    secret = None if public else new_secret()
    client = OidcClient(
        realm_id=realm.id,
        # Hex: safe on a command line (never starts with "-") and in any URL.
        client_id=secrets.token_hex(16),
        name=name,
        secret_hash=digest(secret) if secret else None,
        redirect_uris=uris,
        post_logout_redirect_uris=logout,
        id_token_alg=id_token_alg,
        created_at=now,
    )
    db.session.add(client)
    if id_token_alg == "RS256":  # noqa: S105 - an algorithm name
        ensure_rsa_key(realm, now=now)
    db.session.flush()
    record(
        "oidc_client_added",
        "success",
        now=now,
        realm=realm.slug,
        actor=actor,
        client=client_info,
        details={
            "target": client.client_id,
            "client_id": client.client_id,
            "name": name,
            "public": public,
            "reason": reason,
        },
    )
    return Registered(client, secret)


def list_clients(realm: Realm) -> list[OidcClient]:
    return list(
        db.session.scalars(
            select(OidcClient).where(OidcClient.realm_id == realm.id).order_by(OidcClient.id)
        )
    )


def find_client(realm: Realm, client_id: str) -> OidcClient | None:
    return db.session.scalar(
        select(OidcClient).where(OidcClient.realm_id == realm.id, OidcClient.client_id == client_id)
    )


def consent_counts(realm: Realm) -> dict[int, int]:
    """How many users have consented to each client of ``realm`` (client row id -> count)."""
    rows = db.session.execute(
        select(OidcConsent.client_pk, func.count())
        .join(OidcClient, OidcClient.id == OidcConsent.client_pk)
        .where(OidcClient.realm_id == realm.id)
        .group_by(OidcConsent.client_pk)
    )
    return {int(cid): int(n) for cid, n in rows}


def remove_client(
    realm: Realm,
    client_id: str,
    *,
    now: datetime,
    actor: str = "cli",
    reason: str = "",
    client_info: ClientInfo | None = None,
) -> OidcClient:
    """Remove a client; its codes, tokens and consents go with it (ON DELETE CASCADE).

    Audited with ``actor`` (an admin's username, ``cli`` or ``token:<name>``), the client as
    target and the ``reason``. Raises ``ClientNotFound`` for an id of no client of ``realm``
    (another realm's client included)."""
    client = find_client(realm, client_id)
    if client is None:
        raise ClientNotFound(f"no client {client_id!r} in realm {realm.slug!r}")
    db.session.delete(client)
    record(
        "oidc_client_removed",
        "success",
        now=now,
        realm=realm.slug,
        actor=actor,
        client=client_info,
        details={
            "target": client_id,
            "client_id": client_id,
            "name": client.name,
            "reason": reason,
        },
    )
    return client
