"""Authlib's authorization server, built once per app; the realm comes from the request.

Every realm is its own OpenID Provider: clients are looked up in ``g.realm`` only, ID tokens
carry the realm's issuer and are signed with the realm's keys. Authlib implements the
protocol (authorization code grant, PKCE, OpenID Connect code flow, revocation, userinfo,
RP-initiated logout); this module supplies storage, keys and policy.

Security decisions:
- Codes and access tokens are stored as SHA-256; codes live ``CODE_TTL`` and are claimed by a
  conditional UPDATE, so two exchanges racing on one code cannot both succeed. A code
  presented again is refused and every token it gave is revoked (RFC 6749 §4.1.2).
- Public clients must send a PKCE S256 challenge; ``plain`` is not offered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core import grants as oidc_grants
from authlib.oidc.core.errors import (
    RegistrationNotSupportedError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, current_app, g
from joserfc.jwk import ECKey, KeySet, RSAKey
from sqlalchemy import delete, select, update

from idp.audit.service import record
from idp.clock import now
from idp.extensions import db
from idp.models import OidcAuthorizationCode, OidcClient, OidcToken, User
from idp.oidc.adapters import SCOPES, ClientAdapter, CodeAdapter, Subject, TokenAdapter
from idp.oidc.claims import user_claims
from idp.oidc.keys import public_key_set, signing_key
from idp.oidc.secrets import digest
from idp.web.client import client_info
from shared.addresses import realm_url
from shared.timing import unix_time

__all__ = ["ACCESS_TOKEN_TTL", "CODE_TTL", "ID_TOKEN_TTL", "init_oidc", "issuer", "server"]

CODE_TTL = timedelta(seconds=60)
ACCESS_TOKEN_TTL = timedelta(minutes=10)
ID_TOKEN_TTL = timedelta(minutes=10)


def issuer() -> str:
    """``<IDP_BASE_URL>/realms/<slug>``, exactly (DESIGN.md §4)."""
    return realm_url(current_app.config["BASE_URL"], g.realm.slug)


def _query_client(client_id: str) -> ClientAdapter | None:
    if not client_id or len(client_id) > 64:
        return None
    row = db.session.scalar(
        select(OidcClient).where(
            OidcClient.client_id == client_id, OidcClient.realm_id == g.realm.id
        )
    )
    return ClientAdapter(row) if row is not None else None


def _save_token(token: dict[str, Any], request: OAuth2Request) -> None:
    at = now()
    code: CodeAdapter = request.authorization_code
    db.session.add(
        OidcToken(
            access_token_hash=digest(token["access_token"]),
            client_pk=request.client.row.id,
            user_id=code.row.user_id,
            code_id=code.row.id,
            scope=token.get("scope") or "",
            issued_at=at,
            expires_at=at + timedelta(seconds=int(token["expires_in"])),
        )
    )
    record(
        "oidc_token_issued",
        "success",
        now=at,
        realm=g.realm.slug,
        user=code.row.user,
        client=client_info(),
        details={"client_id": request.client.client_id, "scope": token.get("scope") or ""},
    )


def revoke_tokens_of_code(code_id: int, *, reason: str) -> int:
    """Revoke every live token issued from a code; returns how many."""
    result = db.session.execute(
        update(OidcToken)
        .where(OidcToken.code_id == code_id, OidcToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    record(
        "oidc_code_replayed",
        "failure",
        now=now(),
        realm=g.realm.slug,
        client=client_info(),
        details={"code_id": code_id, "tokens_revoked": count, "reason": reason},
    )
    return count


# Used and expired codes are kept this long (replays still revoke their tokens), then purged.
KEEP_EXPIRED = timedelta(hours=1)


def purge_expired(*, now_: datetime) -> None:
    """Delete codes and access tokens that expired more than KEEP_EXPIRED ago."""
    cutoff = now_ - KEEP_EXPIRED
    db.session.execute(delete(OidcToken).where(OidcToken.expires_at < cutoff))
    db.session.execute(
        delete(OidcAuthorizationCode).where(OidcAuthorizationCode.expires_at < cutoff)
    )


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        subject: Subject = request.user
        data = request.payload.data
        at = now()
        purge_expired(now_=at)
        db.session.add(
            OidcAuthorizationCode(
                code_hash=digest(code),
                client_pk=request.client.row.id,
                user_id=subject.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=subject.auth_time,
                acr=subject.acr,
                amr=list(subject.amr),
                created_at=at,
                expires_at=at + CODE_TTL,
            )
        )
        record(
            "oidc_code_issued",
            "success",
            now=at,
            realm=g.realm.slug,
            user=subject.user,
            client=client_info(),
            details={
                "client_id": request.client.client_id,
                "acr": subject.acr,
                "amr": " ".join(subject.amr),
            },
        )

    def query_authorization_code(self, code: str, client: ClientAdapter) -> CodeAdapter | None:
        row = db.session.scalar(
            select(OidcAuthorizationCode).where(
                OidcAuthorizationCode.code_hash == digest(code),
                OidcAuthorizationCode.client_pk == client.row.id,
            )
        )
        if row is None:
            return None
        if row.used_at is not None:
            # A replayed code: refuse it and take back what it gave (RFC 6749 §4.1.2).
            revoke_tokens_of_code(row.id, reason="code_reused")
            return None
        if row.expires_at <= now():
            return None
        return CodeAdapter(row)

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        code: CodeAdapter = self.request.authorization_code
        # Claimed by one conditional UPDATE: of two racing exchanges, exactly one wins.
        claimed = db.session.execute(
            update(OidcAuthorizationCode)
            .where(
                OidcAuthorizationCode.id == code.row.id,
                OidcAuthorizationCode.used_at.is_(None),
            )
            .values(used_at=now())
        )
        if int(getattr(claimed, "rowcount", 0) or 0) != 1:
            revoke_tokens_of_code(code.row.id, reason="code_reused_concurrently")
            raise InvalidGrantError("The code was already used.")
        return super().create_token_response()  # type: ignore[no-any-return]

    def delete_authorization_code(self, authorization_code: CodeAdapter) -> None:
        # Kept, marked used (above): a replay must still find it to revoke its tokens.
        return None

    def authenticate_user(self, authorization_code: CodeAdapter) -> User:
        return authorization_code.row.user


class S256Required(CodeChallenge):
    """PKCE with S256 only; required for public clients, optional for confidential ones."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        challenge = data.get("code_challenge")
        if challenge and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        if not challenge and grant.request.client.row.is_public:
            raise InvalidRequestError("Public clients must send a PKCE code_challenge (S256).")
        super().validate_code_challenge(grant, redirect_uri)


class RequestObjectsNotSupported:
    """OIDC Core §3.1.2.6: say which unsupported parameter it was, at the client."""

    def __call__(self, grant: CodeGrant) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self._check)

    @staticmethod
    def _check(grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if "request" in data:
            raise RequestNotSupportedError(redirect_uri=redirect_uri)
        if "request_uri" in data:
            raise RequestURINotSupportedError(redirect_uri=redirect_uri)
        if "registration" in data:
            raise RegistrationNotSupportedError(redirect_uri=redirect_uri)


class OpenIDCode(oidc_grants.OpenIDCode):
    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        client = request.client
        return (
            db.session.scalar(
                select(OidcAuthorizationCode.id).where(
                    OidcAuthorizationCode.client_pk == client.row.id,
                    OidcAuthorizationCode.nonce == nonce,
                )
            )
            is not None
        )

    def get_client_algorithm(self, client: ClientAdapter) -> str:
        return client.id_token_signed_response_alg

    def resolve_client_private_key(self, client: ClientAdapter) -> ECKey | RSAKey:
        return signing_key(g.realm, client.id_token_signed_response_alg)

    def get_encode_header(self, client: ClientAdapter) -> dict[str, str]:
        key = signing_key(g.realm, client.id_token_signed_response_alg)
        return {"alg": client.id_token_signed_response_alg, "kid": str(key.kid), "typ": "JWT"}

    def get_client_claims(self, client: ClientAdapter) -> dict[str, Any]:
        at = now()
        return {
            "iss": issuer(),
            "aud": client.client_id,
            "iat": unix_time(at),
            "exp": unix_time(at + ID_TOKEN_TTL),
        }

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(user_claims(user, scope))


class BearerValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> TokenAdapter | None:
        row = db.session.scalar(
            select(OidcToken)
            .join(OidcClient, OidcClient.id == OidcToken.client_pk)
            .where(
                OidcToken.access_token_hash == digest(token_string),
                OidcClient.realm_id == g.realm.id,
            )
        )
        return TokenAdapter(row) if row is not None else None


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]  # noqa: RUF012
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenAdapter | None:
        return BearerValidator().authenticate_token(token_string)

    def revoke_token(self, token: TokenAdapter, request: OAuth2Request) -> None:
        if token.row.revoked_at is None:
            token.row.revoked_at = now()


class UserInfoView(UserInfoEndpoint):
    def get_issuer(self) -> str:
        return issuer()

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(user_claims(user, scope))


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> KeySet:
        return public_key_set(g.realm)

    def get_algorithms(self) -> list[str]:
        return ["ES256", "RS256"]

    def end_session(self, end_session_request: Any) -> None:
        # The view decides whose browser session ends (see views.end_session).
        g.oidc_end_session = end_session_request


server = AuthorizationServer()
protector = ResourceProtector()


def init_oidc(app: Flask) -> None:
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", list(SCOPES))
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN", {"authorization_code": int(ACCESS_TOKEN_TTL.total_seconds())}
    )
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    if getattr(server, "_idp_registered", False):
        return
    # The server object is module-level (one per process); register grants only once.
    server._idp_registered = True
    server.register_grant(
        CodeGrant, [S256Required(required=True), RequestObjectsNotSupported(), OpenIDCode()]
    )
    server.register_endpoint(Revocation)
    protector.register_token_validator(BearerValidator())
    server.register_endpoint(UserInfoView(resource_protector=protector))
    server.register_endpoint(EndSession)


def error_code(error: OAuth2Error) -> str:
    return str(error.error)
