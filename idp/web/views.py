"""The realm list, the language switch and per-realm themes."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from idp.i18n import SUPPORTED
from idp.realms.store import all_realms, get_realm, preset_of
from idp.web.safe_redirect import safe_next
from idp.web.theme import theme_css

bp = Blueprint("web", __name__)

__all__ = ["bp"]


@bp.get("/")
def index() -> str:
    realms = [(r, preset_of(r)) for r in all_realms()]
    return render_template("web/index.html", realms=realms)


@bp.get("/lang/<code>")
def set_language(code: str) -> BaseResponse:
    if code not in SUPPORTED:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("web.index")))


@bp.get("/realms/<slug>/theme.css")
def theme(slug: str) -> Response:
    realm = get_realm(slug)
    if realm is None:
        abort(404)
    css = theme_css(preset_of(realm).branding)
    resp = Response(css, mimetype="text/css")
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
