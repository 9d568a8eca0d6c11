"""``IDP_SMTP_URL``: where the IdP relays mail.

``smtp://host[:port]`` (plain, port 25), ``smtp+starttls://host[:port]`` (STARTTLS, port 587)
or ``smtps://host[:port]`` (TLS from the start, port 465); ``user:password@`` is optional and
percent-decoded. TLS always verifies the server's certificate.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["SmtpSettings", "parse_smtp_url"]

# scheme -> (default port, TLS from the start, STARTTLS)
_SCHEMES = {
    "smtp": (25, False, False),
    "smtp+starttls": (587, False, True),
    "smtps": (465, True, False),
}


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str
    host: str
    port: int
    use_ssl: bool
    use_tls: bool
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never show the password (config dumps, logs, tracebacks)
        return f"SmtpSettings({self.redacted()!r})"

    def redacted(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """Settings for ``url``; ``ValueError`` says what is wrong with it."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(
            f"scheme {parts.scheme!r} is not one of smtp://, smtp+starttls://, smtps://"
        )
    default_port, use_ssl, use_tls = _SCHEMES[scheme]
    if not parts.hostname:
        raise ValueError("the URL names no host (smtp://host:port)")
    try:
        port = parts.port or default_port
    except ValueError as exc:
        raise ValueError("the port is not a number between 1 and 65535") from exc
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("the URL must be scheme://[user:password@]host[:port], nothing more")
    return SmtpSettings(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        use_ssl=use_ssl,
        use_tls=use_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )
