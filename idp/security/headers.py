"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

__all__ = ["CSP", "install_security_headers"]

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


def install_security_headers(app: Flask) -> None:
    secure = app.config["BASE_URL"].startswith("https://")

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages that show accounts, codes or flow state must never be cached.
        if request.endpoint and not request.endpoint.endswith("static"):
            h.setdefault("Cache-Control", "no-store")
        return response
