"""OpenID Connect provider: every realm is an OP (Authlib's OAuth 2.0 / OIDC server)."""
