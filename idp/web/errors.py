"""Error pages: clear words, the right status, never a stack trace."""

from __future__ import annotations

import logging
from contextlib import suppress

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from idp.extensions import db
from idp.push.broker import BrokerUnavailable
from idp.web.json_provider import StrictJSONProvider

__all__ = ["install_error_handlers"]


def _brief(e: Exception) -> str:
    """The exception's class and first line: no statement, no parameters, no secrets."""
    first = str(getattr(e, "orig", None) or e).strip().splitlines()
    return f"{type(e).__name__}: {first[0][:200] if first else ''}"


log = logging.getLogger(__name__)


def _wants_json() -> bool:
    """APIs (the device API, test mode's /_dev routes) and clients that sent or want JSON."""
    return (
        "/api/" in request.path
        or request.path.startswith("/_dev/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _page(status: int, title: str, message: str) -> tuple[str | dict[str, object], int]:
    if _wants_json():
        return {"error": f"http_{status}", "message": message, "v": 1}, status
    layout_realm = getattr(g, "realm", None)
    return (
        render_template(
            "web/error.html",
            status=status,
            title=title,
            message=message,
            realm=layout_realm,
            retry_url=request.path if status == 400 else None,
        ),
        status,
    )


def install_error_handlers(app: Flask) -> None:
    # Bad JSON is a 400 (or None from get_json(silent=True)), never a RecursionError.
    app.json = StrictJSONProvider(app)

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError) -> tuple[str | dict[str, object], int]:
        return _page(
            400,
            _("Formulaire expiré"),
            _(
                "Le formulaire a expiré ou n'a pas été envoyé depuis cette page. "
                "Rechargez la page et recommencez : rien n'a été modifié."
            ),
        )

    @app.errorhandler(404)
    def _not_found(_e: HTTPException) -> tuple[str | dict[str, object], int]:
        return _page(404, _("Page introuvable"), _("Cette page n'existe pas ou plus."))

    @app.errorhandler(405)
    def _method(e: HTTPException) -> tuple[str | dict[str, object], int, dict[str, str]]:
        # RFC 9110 §15.5.6: a 405 names the methods the resource does allow.
        body, status = _page(405, _("Action impossible"), _("Cette action n'est pas permise ici."))
        allowed = getattr(e, "valid_methods", None) or []
        return body, status, {"Allow": ", ".join(sorted(allowed))}

    @app.errorhandler(413)
    def _too_large(_e: HTTPException) -> tuple[str | dict[str, object], int]:
        return _page(
            413, _("Envoi trop volumineux"), _("Les données envoyées sont trop volumineuses.")
        )

    @app.errorhandler(429)
    def _rate(_e: HTTPException) -> tuple[str | dict[str, object], int]:
        return _page(
            429,
            _("Trop de tentatives"),
            _("Trop de tentatives en peu de temps. Patientez quelques minutes puis réessayez."),
        )

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException) -> tuple[str | dict[str, object], int]:
        status = e.code or 500
        return _page(status, _("Requête invalide"), _("La requête n'a pas pu être traitée."))

    @app.errorhandler(BrokerUnavailable)
    @app.errorhandler(RedisError)
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _unavailable(e: Exception) -> tuple[str | dict[str, object], int, dict[str, str]]:
        # Redis or the database is unreachable (restarting, down): nothing was half-written
        # (the transaction rolls back with the request); the client may retry shortly.
        log.warning("service unavailable on %s %s: %s", request.method, request.path, _brief(e))
        # A write that failed inside a flush leaves the session refusing every statement until
        # it is rolled back; the error page itself reads (the realm's theme).
        with suppress(SQLAlchemyError):
            db.session.rollback()
        retry = {"Retry-After": "5"}
        if _wants_json():
            message = "a server the IdP depends on is unreachable; retry in a few seconds"
            return {"error": "service_unavailable", "message": message, "v": 1}, 503, retry
        body, status = _page(
            503,
            _("Service momentanément indisponible"),
            _(
                "Le service est momentanément indisponible. Réessayez dans quelques secondes : "
                "rien n'a été modifié."
            ),
        )
        return body, status, retry

    @app.errorhandler(Exception)
    def _unexpected(e: Exception) -> tuple[str | dict[str, object], int]:
        # Logged for operators with the traceback; the user sees a plain message only.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _page(
            500,
            _("Erreur inattendue"),
            _("Une erreur inattendue est survenue. Réessayez dans un instant."),
        )
