"""The identity provider: a Flask app factory (after the Flask tutorial's flaskr)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    from idp import models  # noqa: F401 - register the tables on the metadata
    from idp.clock import SystemClock
    from idp.config import load_config
    from idp.extensions import babel, csrf, db, limiter, migrate
    from idp.i18n import select_locale
    from idp.mail import init_mail
    from idp.scaleout import install_scale_out
    from idp.security.headers import install_security_headers
    from idp.security.passwords import Hasher
    from idp.web.errors import install_error_handlers
    from idp.web.typography import install_typography

    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("IDP_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(instance) if instance else None)
    load_config(app, test_config)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from idp.sqlite_server import engine_options

        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"]),
            busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"]),
        )
    db.init_app(app)
    _sqlite_pragmas(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    from idp.web.machines import install_machine_paths

    install_machine_paths(app, limiter)
    app.extensions["idp.clock"] = app.config.get("CLOCK") or SystemClock()
    app.extensions["idp.hasher"] = Hasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    init_mail(app)
    install_scale_out(app)
    from idp.oidc.server import init_oidc

    init_oidc(app)

    _jinja_helpers(app)
    install_security_headers(app)
    install_error_handlers(app)
    install_typography(app)
    _register_blueprints(app)
    # Trace inspector and fault injection (issue 19): a no-op unless TRACE or test mode.
    from idp.trace.install import install_trace

    install_trace(app)
    _install_fast_lane(app)
    _trust_proxies(app)  # outermost: the fast lane sees the client's address too
    return app


def _install_fast_lane(app: Flask) -> None:
    from idp.device_api.lane import ROUTES as DEVICE_ROUTES
    from idp.web.fast_lane import install_fast_lane

    routes = [*DEVICE_ROUTES]
    if app.config["TEST_MODE"]:
        from idp.testmode.lane import ROUTES as TEST_MODE_ROUTES

        routes += TEST_MODE_ROUTES
    install_fast_lane(app, routes)


def _jinja_helpers(app: Flask) -> None:
    from flask import url_for
    from flask_babel import format_datetime, get_locale
    from werkzeug.routing import BuildError

    from idp.users.masking import mask_email, mask_identifier

    def url_if(endpoint: str, **values: Any) -> str | None:
        """The URL of ``endpoint`` when this installation has it (links to optional pages)."""
        try:
            return url_for(endpoint, **values)
        except BuildError:
            return None

    def recovery_url(**values: Any) -> str | None:
        """The realm's "forgot password" entry, when this installation runs its whole flow."""
        from flask import g

        from idp.recovery.steps import implemented

        preset = getattr(g, "preset", None)
        if preset is None or not implemented(preset.recovery.all_steps):
            return None
        return url_for("recovery.start", **{k: v for k, v in values.items() if v})

    app.jinja_env.globals.update(
        url_if=url_if,
        recovery_url=recovery_url,
        current_locale=lambda: str(get_locale() or "fr"),
        format_datetime=format_datetime,
        mask_identifier=mask_identifier,
        mask_email=mask_email,
    )


def _register_blueprints(app: Flask) -> None:
    from idp.account.views import bp as account_bp
    from idp.admin import client_views  # noqa: F401 - routes on the admin blueprint
    from idp.admin.api import admin_api
    from idp.admin.api import bp as admin_api_bp
    from idp.admin.views import bp as admin_bp
    from idp.analysis.views import bp as analysis_bp
    from idp.auth.views import bp as auth_bp
    from idp.cas.views import bp as cas_bp
    from idp.device_api.openapi import api
    from idp.device_api.views import bp as device_api_bp
    from idp.mfa import code_views, recovery_code_views  # noqa: F401 - routes on mfa's blueprint
    from idp.mfa.views import bp as mfa_bp
    from idp.oidc.views import bp as oidc_bp
    from idp.recovery.views import bp as recovery_bp
    from idp.securityinfo.views import bp as security_bp
    from idp.sesame.views import bp as sesame_bp
    from idp.signup.views import bp as signup_bp
    from idp.support.views import bp as support_bp
    from idp.web.views import bp as web_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(security_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(analysis_bp)
    app.register_blueprint(mfa_bp)
    app.register_blueprint(recovery_bp)
    app.register_blueprint(cas_bp)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(signup_bp)
    app.register_blueprint(sesame_bp)
    app.register_blueprint(device_api_bp)
    api.register(app)
    app.register_blueprint(admin_api_bp)
    admin_api.register(app)
    if app.config["TEST_MODE"]:
        # Test-mode routes exist only in a test-mode start (DESIGN.md §4).
        from idp.testmode.views import bp as testmode_bp

        app.register_blueprint(testmode_bp)


def _sqlite_pragmas(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from idp.extensions import db
    from idp.sqlite_server import tune_sqlite

    with app.app_context():
        tune_sqlite(db.engine, busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))


def _trust_proxies(app: Flask) -> None:
    """Honour ``X-Forwarded-*`` from exactly ``IDP_PROXY_COUNT`` reverse proxies (0: none),
    so client IPs in challenges and audit are the browser's, and nobody can forge them."""
    count = int(app.config["PROXY_COUNT"])
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
