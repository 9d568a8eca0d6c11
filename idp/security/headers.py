"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

__all__ = ["CSP", "install_security_headers", "security_headers"]

# No inline script or style anywhere: realm colours come from a generated stylesheet.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(app: Flask, *, page: bool) -> list[tuple[str, str]]:
    """The headers every response carries; ``page``: also ``Cache-Control: no-store``, for
    everything but static files (pages that show accounts, codes or flow state, API answers)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["BASE_URL"].startswith("https://"):
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if page:
        headers.append(("Cache-Control", "no-store"))
    return headers


def install_security_headers(app: Flask) -> None:
    # (lower-cased name, name, value): the names are compared as HTTP does, without case.
    for_static = [(k.lower(), k, v) for k, v in security_headers(app, page=False)]
    for_pages = [(k.lower(), k, v) for k, v in security_headers(app, page=True)]

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        endpoint = request.endpoint
        wanted = for_pages if endpoint and not endpoint.endswith("static") else for_static
        # A view's own value wins (as setdefault would): one pass over the response's headers.
        present = {name.lower() for name in h.keys()}  # noqa: SIM118 - Headers iterates pairs
        h.extend([(k, v) for low, k, v in wanted if low not in present])
        return response
