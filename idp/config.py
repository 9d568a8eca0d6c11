"""Configuration in three layers (DESIGN.md §6.1).

1. ``DefaultConfig``: embedded defaults, enough for ``./scripts/demo``.
2. The environment, prefix ``IDP_`` (``Flask.config.from_prefixed_env``).
3. A mapping passed by tests to the factory.

``validate`` then fails fast on unsafe combinations: a development secret outside test or
debug mode, or test mode on a server that does not bind to loopback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from flask import Flask

__all__ = ["DEV_SECRET", "ConfigError", "DefaultConfig", "is_loopback", "load_config"]

DEV_SECRET = "dev-only-secret-do-not-use-in-production"  # noqa: S105 - a sentinel, refused in prod


class ConfigError(RuntimeError):
    """A configuration the IdP refuses to start with; the message says what to change."""


class DefaultConfig:
    SECRET_KEY = DEV_SECRET
    # Unset means "SQLite in the instance folder", resolved in load_config.
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    BASE_URL = "http://127.0.0.1:5000"
    SMTP_URL: str | None = None
    MAIL_FROM = "Identity Provider <no-reply@idp.localhost>"
    # Each SMTP step (connect, TLS, every reply) waits at most this long (idp.mail.smtp).
    SMTP_TIMEOUT_SECONDS = 5.0
    # Development outbox (no SMTP_URL): a JSON file in the instance folder shared by all
    # workers; "" keeps it in memory (one process). Only the last MAIL_OUTBOX_LIMIT are kept.
    MAIL_OUTBOX_FILE = "dev-outbox.json"
    MAIL_OUTBOX_LIMIT = 200
    # Delivered idempotency keys remembered per process (idp.mail.idempotency).
    MAIL_SENT_KEYS_CAPACITY = 10_000
    TEST_MODE = False
    TEST_CAPTCHA_ANSWER: str | None = None
    # Host the server binds to; `idp serve` sets it so test mode can check loopback.
    BIND_HOST = "127.0.0.1"
    DEBUG_SERVER = False
    # Trace inspector (idp.trace): unset follows test mode; IDP_TRACE=1 turns it on outside test
    # mode, IDP_TRACE=0 off in test mode (benchmarks). The store keeps at most TRACE_MAX_EVENTS
    # events, none older than TRACE_RETENTION_SECONDS.
    TRACE: bool | None = None
    TRACE_MAX_EVENTS = 20_000
    TRACE_RETENTION_SECONDS = 86_400
    # The machine fast lane (idp.web.fast_lane): the device decision, and test mode's push
    # trigger and status, answered without Flask's request machinery. IDP_FAST_LANE=0 sends
    # them through Flask like every other call. Off whenever the trace inspector is on.
    FAST_LANE = True

    MAX_CONTENT_LENGTH = 64 * 1024
    MAX_FORM_MEMORY_SIZE = 64 * 1024
    MAX_FORM_PARTS = 100
    SESSION_COOKIE_NAME = "idp_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set from BASE_URL's scheme
    # The cookie only carries the session token (and the language); the server-side record ends
    # the session (realm [sessions] timeouts, at most 30 days), so the cookie may outlive it.
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    WTF_CSRF_TIME_LIMIT = 3600
    WTF_CSRF_SSL_STRICT = True

    BABEL_DEFAULT_LOCALE = "fr"
    # Times shown to people (a lock's end, a device's last use, mails) are French local time.
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    BABEL_SUPPORTED_LOCALES = ("fr", "en")
    BABEL_TRANSLATION_DIRECTORIES = "translations"

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "20 per minute"
    LOGIN_IDENTIFIER_RATE_LIMIT = "10 per 5 minutes"
    DEVICE_ENROLL_RATE_LIMIT = "30 per minute"

    # argon2id cost of new hashes, unless the realm's [password_hashing] says otherwise:
    # OWASP's current minimum for argon2id (m=19 MiB, t=2, p=1). Tests lower it.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024
    ARGON2_PARALLELISM = 1

    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {}
    # SQLite: how long a write waits for another *process* (writers of this process queue
    # cooperatively, idp.sqlite_server); past it the request answers 503.
    SQLITE_BUSY_TIMEOUT_MS = 1000
    # Reverse proxies in front of the IdP whose X-Forwarded-* headers are trusted (0: none).
    PROXY_COUNT = 0
    # Longest a realm snapshot (preset, signing key) is kept without an explicit invalidation.
    REALM_CACHE_SECONDS = 5.0


_TRUE = {"1", "true", "yes", "on"}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def load_config(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("IDP")
    if test_config:
        app.config.update(test_config)
    cfg = app.config
    cfg["TEST_MODE"] = _as_bool(cfg.get("TEST_MODE", False))
    trace = cfg.get("TRACE")
    cfg["TRACE"] = cfg["TEST_MODE"] if trace is None or trace == "" else _as_bool(trace)
    cfg["FAST_LANE"] = _as_bool(cfg.get("FAST_LANE", True))
    if cfg.get("DATABASE_URL") in (None, ""):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'idp.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = cfg["DATABASE_URL"]
    if str(cfg["DATABASE_URL"]).startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        cfg["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + cfg["DATABASE_URL"][13:]
        # A server restart leaves dead connections in the pool: test each before use.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **cfg["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    try:
        cfg["PROXY_COUNT"] = int(cfg.get("PROXY_COUNT") or 0)
    except (TypeError, ValueError):
        raise ConfigError(
            "IDP_PROXY_COUNT must be a whole number of proxies (0 or more)."
        ) from None
    if not 0 <= cfg["PROXY_COUNT"] <= 5:
        raise ConfigError("IDP_PROXY_COUNT must be between 0 and 5.")
    if cfg.get("REDIS_URL"):
        cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"]
    cfg["BASE_URL"] = str(cfg["BASE_URL"]).rstrip("/")
    cfg["SESSION_COOKIE_SECURE"] = cfg["BASE_URL"].startswith("https://")
    validate(cfg)


def validate(cfg: Mapping[str, Any]) -> None:
    testing = bool(cfg.get("TESTING"))
    if cfg["TEST_MODE"] and not is_loopback(str(cfg.get("BIND_HOST", ""))):
        raise ConfigError(
            "IDP_TEST_MODE=1 is refused: the server binds to "
            f"{cfg.get('BIND_HOST')!r}, and test mode is only allowed on loopback "
            "(127.0.0.1, ::1, localhost)."
        )
    _validate_mail(cfg)
    secret = str(cfg.get("SECRET_KEY") or "")
    relaxed = cfg["TEST_MODE"] or testing or bool(cfg.get("DEBUG_SERVER"))
    if not relaxed and (secret == DEV_SECRET or len(secret) < 32):
        raise ConfigError(
            "IDP_SECRET_KEY is missing or too short (32+ characters needed). "
            'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )


def _validate_mail(cfg: Mapping[str, Any]) -> None:
    from idp.mail.smtp_url import parse_smtp_url

    if cfg.get("SMTP_URL"):
        try:
            parse_smtp_url(str(cfg["SMTP_URL"]))
        except ValueError as exc:
            raise ConfigError(f"IDP_SMTP_URL is not usable: {exc}.") from None
    try:
        timeout = float(cfg.get("SMTP_TIMEOUT_SECONDS", 5))
    except (TypeError, ValueError):
        timeout = 0
    if not 0 < timeout <= 120:
        raise ConfigError("IDP_SMTP_TIMEOUT_SECONDS must be a number of seconds in (0, 120].")
