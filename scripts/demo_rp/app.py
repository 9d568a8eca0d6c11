"""Demo relying party "Espace pédagogique JASMIN": an ordinary web application that signs its
users in with OpenID Connect through the IdP, using Authlib's Flask client (not the IdP's code).

    python scripts/demo_rp/app.py --port 5100

Configuration (environment): DEMO_RP_ISSUER (e.g. http://127.0.0.1:5000/realms/jasmin),
DEMO_RP_CLIENT_ID, DEMO_RP_CLIENT_SECRET (from `idp client add ... --json`), DEMO_RP_TITLE.
"""

from __future__ import annotations

import argparse
import os
import secrets
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

MFA = "urn:sspr-push-lab:acr:mfa"


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secrets.token_urlsafe(32),
        # The IdP's cookie lives on the same host (another port): keep the names apart.
        SESSION_COOKIE_NAME="demo_rp_session",
        SESSION_COOKIE_SAMESITE="Lax",
    )
    issuer = os.environ["DEMO_RP_ISSUER"].rstrip("/")
    title = os.environ.get("DEMO_RP_TITLE", "Espace pédagogique JASMIN")
    oauth = OAuth(app)
    oauth.register(
        "idp",
        client_id=os.environ["DEMO_RP_CLIENT_ID"],
        client_secret=os.environ.get("DEMO_RP_CLIENT_SECRET") or None,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )

    @app.context_processor
    def _title() -> dict[str, Any]:
        return {"title": title, "issuer": issuer}

    @app.get("/")
    def home() -> str:
        return render_template("home.html", user=session.get("claims"))

    @app.get("/login")
    def login() -> Response:
        extra: dict[str, str] = {}
        if request.args.get("mfa"):
            extra["acr_values"] = MFA  # step-up: ask for a second factor
        return oauth.idp.authorize_redirect(  # type: ignore[no-any-return]
            url_for("callback", _external=True), **extra
        )

    @app.get("/callback")
    def callback() -> Response | tuple[str, int]:
        if "error" in request.args:
            return render_template(
                "error.html",
                error=request.args["error"],
                description=request.args.get("error_description", ""),
            ), 400
        # Exchanges the code (PKCE verifier, client secret) and validates the ID token:
        # signature against the published JWKS, iss, aud, exp, nonce.
        token = oauth.idp.authorize_access_token()
        session["claims"] = dict(token["userinfo"])
        session["id_token"] = token["id_token"]
        return redirect(url_for("claims"))

    @app.get("/claims")
    def claims() -> Response | str:
        if "claims" not in session:
            return redirect(url_for("home"))
        return render_template("claims.html", claims=session["claims"])

    @app.post("/logout")
    def logout() -> Response:
        id_token = session.pop("id_token", None)
        session.clear()
        metadata = oauth.idp.load_server_metadata()
        params = {"post_logout_redirect_uri": url_for("home", _external=True)}
        if id_token:
            params["id_token_hint"] = id_token
        from urllib.parse import urlencode

        return redirect(f"{metadata['end_session_endpoint']}?{urlencode(params)}")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5100)
    args = parser.parse_args()
    if args.host not in {"127.0.0.1", "localhost", "::1"}:
        parser.error("the demo relying party only listens on loopback")
    create_app().run(host=args.host, port=args.port, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
