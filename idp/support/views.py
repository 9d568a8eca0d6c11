"""The support contact page of a realm."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from werkzeug.wrappers import Response

from idp.clock import now
from idp.extensions import db, limiter
from idp.support.forms import ContactForm
from idp.support.service import submit_request
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

bp = Blueprint("support", __name__, url_prefix="/realms/<slug>/support")
bind_realm(bp)

__all__ = ["bp"]


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("5 per 10 minutes", methods=["POST"])
def contact(slug: str) -> Response | str:
    form = ContactForm()
    if form.validate_on_submit():
        request_row = submit_request(
            g.realm,
            name=form.name.data or "",
            email=form.email.data or "",
            subject=form.subject.data or "",
            message=form.message.data or "",
            now=now(),
            client=client_info(),
        )
        db.session.commit()
        return render_template("support/sent.html", request_id=request_row.id)
    return render_template("support/contact.html", form=form)
