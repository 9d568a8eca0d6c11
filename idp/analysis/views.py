"""``GET /realms/<slug>/analysis``: the recovery-policy analysis as a page, with its graph.

Security: the page tells how to take the realm's accounts over, so it is the realm admin
console's (same guard: anonymous -> sign-in, non-admin -> 403, push realms need the second
factor), except in test mode where testers and researchers open it directly.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from idp.admin.access import admin_required
from idp.analysis.graph import dot_source, render_svg
from idp.analysis.report import analyze, as_dict
from idp.web.realm_context import bind_realm

__all__ = ["bp"]

bp = Blueprint("analysis", __name__, url_prefix="/realms/<slug>")
bind_realm(bp)


def _page(slug: str) -> str:
    data = as_dict(analyze(g.preset))
    svg = render_svg(dot_source(data, lacks=_("manque : %(what)s", what="{}")))
    return render_template(
        "analysis/page.html",
        data=data,
        graph=Markup(svg) if svg else None,  # noqa: S704 - dot's own SVG, labels escaped
        test_mode=current_app.config["TEST_MODE"],
    )


@bp.get("/analysis")
def page(slug: str) -> ResponseReturnValue:
    if current_app.config["TEST_MODE"]:
        return _page(slug)
    guarded: ResponseReturnValue = admin_required(_page)(slug)
    return guarded
