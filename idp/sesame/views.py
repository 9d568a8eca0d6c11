"""Sésame pages, and "Récupérer mon identifiant" (identify, show masked, mail in full)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from idp.clock import now
from idp.extensions import db, limiter
from idp.models import User
from idp.policy import rules_for
from idp.policy.messages import rule_message, violation_message
from idp.realms.identifiers import IdentifierKind
from idp.recovery.forms import NumberForm
from idp.security.passwords import current_hasher
from idp.sesame import service
from idp.sesame.activation import ACTIVATION_TTL, QUESTIONS, activate
from idp.sesame.forms import ActivationForm
from idp.web.client import client_info
from idp.web.realm_context import bind_realm

bp = Blueprint("sesame", __name__, url_prefix="/realms/<slug>/sesame")
bind_realm(bp)

__all__ = ["bp"]


@bp.before_request
def _cas_realm() -> None:
    if g.preset.login.variant != "cas":
        abort(404)


@bp.get("/")
def home(slug: str) -> str:
    return render_template("sesame/home.html")


@bp.get("/identifiants-oublies")
def forgotten(slug: str) -> str:
    return render_template("sesame/forgotten.html")


@bp.get("/aide")
def help(slug: str) -> str:
    return render_template("sesame/help.html")


@bp.get("/reglement-interieur")
def rules(slug: str) -> str:
    return render_template("sesame/rules.html")


class _IdentifierForm(NumberForm):
    pass


@bp.route("/identifiant", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"])
def identifier(slug: str) -> Response | str:
    """ "Récupérer mon identifiant": the same identification, then the identifier masked on the
    page and in full by mail to the address on file."""
    kinds = list(g.preset.recovery.identify_by_number.kinds)
    form = _IdentifierForm()
    form.kind.choices = [(k, k) for k in kinds]
    shown: str | None = None
    if form.validate_on_submit():
        shown = service.recover_identifier(
            g.realm, g.preset, *_typed(form), now=now(), client=client_info()
        )
        db.session.commit()
        if shown is None:
            form.number.errors = [
                _(
                    "Les informations saisies ne permettent pas de vous identifier. "
                    "Vérifiez votre numéro et votre date de naissance."
                )
            ]
    elif not form.kind.data:
        form.kind.data = request.args.get("kind") if request.args.get("kind") in kinds else None
    return render_template(
        "sesame/identifier.html", form=form, kinds=kinds, kind=form.kind.data, masked=shown
    )


@bp.route("/activation", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"])
def activation(slug: str) -> Response | str:
    """Step 1: identify a pre-provisioned account; step 2 (same URL): question, password, rules."""
    pending = _pending_activation()
    if pending is not None:
        return _activation_choose(pending)
    kinds = list(g.preset.recovery.identify_by_number.kinds)
    form = _IdentifierForm()
    form.kind.choices = [(k, k) for k in kinds]
    if form.validate_on_submit():
        user = service.identify_for_activation(
            g.realm, g.preset, *_typed(form), now=now(), client=client_info()
        )
        db.session.commit()
        if user is not None:
            session[_ACTIVATION_KEY] = {
                "uid": user.id,
                "realm": g.realm.slug,
                "until": (now() + ACTIVATION_TTL).isoformat(),
            }
            return redirect(url_for("sesame.activation"))
        form.number.errors = [
            _(
                "Les informations saisies ne permettent pas d'activer un "
                "compte. Si votre compte est déjà actif, utilisez « Identifiants "
                "oubliés »."
            )
        ]
    elif not form.kind.data:
        form.kind.data = request.args.get("kind") if request.args.get("kind") in kinds else None
    return render_template("sesame/activation.html", form=form, kinds=kinds, kind=form.kind.data)


_ACTIVATION_KEY = "sesame_activation"


def _typed(form: NumberForm) -> tuple[IdentifierKind, str, str]:
    return IdentifierKind(form.kind.data), form.number.data or "", form.birth_date.data or ""


def _pending_activation() -> User | None:
    data = session.get(_ACTIVATION_KEY)
    if not isinstance(data, dict) or data.get("realm") != g.realm.slug:
        return None
    if datetime.fromisoformat(str(data.get("until"))) <= now():
        session.pop(_ACTIVATION_KEY, None)
        return None
    user = db.session.get(User, data.get("uid"))
    return user if user is not None and not user.activated else None


def _activation_choose(user: User) -> Response | str:
    form = ActivationForm()
    form.question.choices = [(q, q) for q in QUESTIONS]
    if form.validate_on_submit():
        if not form.accept_rules.data:
            form.accept_rules.errors = [
                _("Vous devez reconnaître avoir pris connaissance du règlement intérieur.")
            ]
        else:
            violations = activate(
                user,
                g.preset,
                question=form.question.data or "",
                answer=form.answer.data or "",
                password=form.password.data or "",
                hasher=current_hasher(),
                now=now(),
                client=client_info(),
            )
            if not violations:
                db.session.commit()
                session.pop(_ACTIVATION_KEY, None)
                return render_template("sesame/activated.html", username=user.username)
            form.password.errors = [str(violation_message(v)) for v in violations]
    rules = [rule_message(r) for r in rules_for(g.preset.password_policy)]
    return render_template("sesame/activation_choose.html", form=form, user=user, rules=rules)
