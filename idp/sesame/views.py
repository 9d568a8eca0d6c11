"""Sésame pages, and "Récupérer mon identifiant" (identify, show masked, mail in full)."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from idp.audit.service import record
from idp.clock import now
from idp.extensions import db, limiter
from idp.mail import mail_language, render_mail
from idp.mail.deferred import defer
from idp.models import User
from idp.policy import rules_for
from idp.policy.messages import rule_message, violation_message
from idp.realms.identifiers import IdentifierKind
from idp.recovery.forms import NumberForm
from idp.security.passwords import current_hasher
from idp.sesame.activation import ACTIVATION_TTL, QUESTIONS, activate
from idp.sesame.forms import ActivationForm
from idp.users.identification import find_by_number, normalise_number, parse_birth_date_fr
from idp.users.masking import mask_identifier
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
        shown = _recover_identifier(form)
    elif not form.kind.data:
        form.kind.data = request.args.get("kind") if request.args.get("kind") in kinds else None
    return render_template(
        "sesame/identifier.html", form=form, kinds=kinds, kind=form.kind.data, masked=shown
    )


def _recover_identifier(form: FlaskForm) -> str | None:
    assert isinstance(form, NumberForm)  # noqa: S101 - narrowing for the type checker
    kind = IdentifierKind(form.kind.data)
    birth = parse_birth_date_fr(form.birth_date.data or "", today=now().date())
    number = normalise_number(kind, form.number.data or "")
    user = find_by_number(g.realm, g.preset.identifiers, kind, number, birth) if birth else None
    record(
        "identifier_recovery",
        "success" if user else "failure",
        now=now(),
        realm=g.realm.slug,
        actor=f"{kind.value}:{number}"[:120],
        user_id=user.id if user else None,
        client=client_info(),
    )
    if user is None:
        db.session.commit()
        form.number.errors = [
            _(
                "Les informations saisies ne permettent pas de vous identifier. "
                "Vérifiez votre numéro et votre date de naissance."
            )
        ]
        return None
    if user.email:
        mail = render_mail(
            "identifier_reminder",
            mail_language(user.language),
            realm_name=g.preset.display_name,
            identifier=user.username,
            display_name=user.display_name,
        )
        defer(
            mail.to(
                user.email,
                idempotency_key=f"identifier:{user.id}:{now().date()}",
                realm=g.realm.slug,
                user_id=user.id,
                actor=user.username,
            )
        )
    db.session.commit()
    return mask_identifier(user.username)


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
        kind = IdentifierKind(form.kind.data)
        birth = parse_birth_date_fr(form.birth_date.data or "", today=now().date())
        number = normalise_number(kind, form.number.data or "")
        user = find_by_number(g.realm, g.preset.identifiers, kind, number, birth) if birth else None
        record(
            "account_activation_identify",
            "success" if user and not user.activated else "failure",
            now=now(),
            realm=g.realm.slug,
            actor=f"{kind.value}:{number}"[:120],
            client=client_info(),
        )
        db.session.commit()
        if user is not None and not user.activated:
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
