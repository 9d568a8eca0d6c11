"""Our rows seen through Authlib's model interfaces (client, authorization code, token).

The SQLAlchemy models stay free of Authlib; these thin wrappers give Authlib what it asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin

from idp.clock import now
from idp.models import OidcAuthorizationCode, OidcClient, OidcToken, User
from idp.oidc.secrets import matches

__all__ = ["SCOPES", "ClientAdapter", "CodeAdapter", "Subject", "TokenAdapter"]

# openid: sub; profile: names, username, locale; email: the address.
SCOPES = ("openid", "profile", "email")


@dataclass(frozen=True)
class Subject:
    """The signed-in user and how the session authenticated, as the code will remember it."""

    user: User
    auth_time: datetime
    acr: str
    amr: tuple[str, ...]


class ClientAdapter(ClientMixin):
    def __init__(self, row: OidcClient) -> None:
        self.row = row

    @property
    def client_id(self) -> str:
        return self.row.client_id

    @property
    def id_token_signed_response_alg(self) -> str:
        return self.row.id_token_alg

    @property
    def client_metadata(self) -> dict[str, list[str]]:
        return {"post_logout_redirect_uris": list(self.row.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        # OpenID Connect requires redirect_uri on every request: no default.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return str(list_to_scope([s for s in scope_to_list(scope) or [] if s in SCOPES]))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match, no prefix or pattern (OAuth 2.0 Security BCP §4.1.3).
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return matches(client_secret, self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.row.is_public:
            return method == "none"
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


class CodeAdapter(AuthorizationCodeMixin):
    def __init__(self, row: OidcAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.row.acr

    def get_amr(self) -> list[str]:
        return list(self.row.amr)


class TokenAdapter(TokenMixin):
    def __init__(self, row: OidcToken) -> None:
        self.row = row
        self.scope = row.scope

    def check_client(self, client: ClientAdapter) -> bool:
        return self.row.client_pk == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return now() >= self.row.expires_at

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> User:
        return self.row.user

    def get_client(self) -> ClientAdapter:
        return ClientAdapter(self.row.client)
