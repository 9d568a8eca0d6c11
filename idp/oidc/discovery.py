"""The provider metadata (OpenID Connect Discovery 1.0 §3) of the current realm."""

from __future__ import annotations

from typing import Any

from flask import current_app, g

from idp.oidc.adapters import SCOPES
from idp.oidc.claims import CLAIMS_SUPPORTED
from idp.oidc.server import issuer
from idp.oidc.service import ACR_VALUES

__all__ = ["provider_metadata"]

_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def provider_metadata() -> dict[str, Any]:
    iss = issuer()
    base = f"{iss}/oidc"
    return {
        "issuer": iss,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "end_session_endpoint": f"{base}/logout",
        "revocation_endpoint": f"{base}/revoke",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "token_endpoint_auth_methods_supported": _AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": _AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(CLAIMS_SUPPORTED),
        "acr_values_supported": list(ACR_VALUES),
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": list(g.realm_languages),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "service_documentation": f"{current_app.config['BASE_URL']}/",
    }
