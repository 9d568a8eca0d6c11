"""Where the sign-in pages hand an authorization request back, and what their CSP must allow.

The authorization request travels through sign-in as the ``next`` URL (its own query string,
nothing kept in the session, which a new sign-in clears). A form that ends, through
redirects, at the relying party needs that origin in CSP ``form-action``: Chromium checks
the directive on every redirect of a form submission.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import g, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from idp.oidc.clients import find_client
from idp.security.headers import CSP

__all__ = ["allow_form_action", "continuation", "redirect_origin", "relying_party_origin"]


def continuation(args: MultiDict[str, str], *, drop: tuple[str, ...] = ()) -> str:
    """The authorize URL of this request, without ``drop`` (e.g. prompt=login once honoured)."""
    query = [(k, v) for k, v in args.items(multi=True) if k not in drop]
    return url_for("oidc.authorize") + ("?" + urlencode(query) if query else "")


def redirect_origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def relying_party_origin(next_url: str | None) -> str | None:
    """The origin a sign-in continuing to ``next_url`` may end at (a registered client's)."""
    realm = getattr(g, "realm", None)
    if not next_url or realm is None:
        return None
    parts = urlsplit(next_url)
    if parts.path != url_for("oidc.authorize", slug=realm.slug):
        return None
    params = dict(parse_qsl(parts.query))
    client = find_client(realm, params.get("client_id", ""))
    uri = params.get("redirect_uri", "")
    if client is None or uri not in client.redirect_uris:
        return None
    return redirect_origin(uri)


def allow_form_action(response: Response, origin: str | None) -> Response:
    if origin:
        response.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return response
