"""The sign-up page of realms that offer one (Metamots)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.clock import now
from idp.extensions import db, limiter
from idp.policy import rules_for
from idp.policy.messages import rule_message, violation_message
from idp.security.passwords import current_hasher
from idp.signup.forms import SignupForm
from idp.signup.service import UserExists, register
from idp.users.identity import country_choices
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

bp = Blueprint("signup", __name__, url_prefix="/realms/<slug>/signup")
bind_realm(bp)

__all__ = ["bp"]


@bp.before_request
def _offered() -> None:
    if g.preset.login.variant != "metamots":
        abort(404)


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def start(slug: str) -> Response | str:
    opts = g.preset.recovery.identify_by_attributes
    form = SignupForm()
    form.fill_choices(
        country_choices(str(get_locale() or "fr")),
        list(opts.organisation_types),
        opts.default_country,
        opts.default_organisation_type,
    )
    if form.validate_on_submit():
        try:
            outcome = register(
                g.realm,
                form.identifier.data or "",
                form.password.data or "",
                form.identity(),
                g.preset.password_policy,
                language=form.language.data or "fr",
                hasher=current_hasher(),
                now=now(),
                client=client_info(),
            )
        except UserExists:
            form.identifier.errors = [_("Cet identifiant est déjà pris.")]
        else:
            if isinstance(outcome, list):
                form.password.errors = [str(violation_message(v)) for v in outcome]
            else:
                db.session.commit()
                session["lang"] = form.language.data
                flash(_("Votre compte a été créé. Vous pouvez maintenant vous connecter."), "info")
                return redirect(url_for("auth.login"))
    rules = [rule_message(r) for r in rules_for(g.preset.password_policy)]
    return render_template("signup/start.html", form=form, rules=rules)
