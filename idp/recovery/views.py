"""Recovery pages: start a flow, run its current step, serve the captcha, report outcomes."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response as BaseResponse

from idp.clock import now
from idp.extensions import db, limiter
from idp.policy import ABSOLUTE_MAX_LENGTH, explain
from idp.policy.messages import violation_message
from idp.policy.strength_label import strength
from idp.push.waiting import WaitInvalid, parse_wait
from idp.recovery import engine, service
from idp.recovery.captcha_image import audio_wav, image_png
from idp.recovery.errors import FlowCompleted, FlowError, FlowLocked, FlowStale
from idp.recovery.forms import StepForm
from idp.recovery.steps import STEPS, StepContext, implemented
from idp.recovery.steps.verify_push import await_answer
from idp.security.passwords import current_hasher
from idp.users.password_change import names_of, previous_hashes
from idp.users.password_jobs import status_of
from idp.web.client import client_info
from idp.web.durations import lock_message
from idp.web.realm_context import bind_realm

bp = Blueprint("recovery", __name__, url_prefix="/realms/<slug>/recovery")
bind_realm(bp)


@bp.errorhandler(StaleDataError)
def _raced(_exc: StaleDataError) -> BaseResponse:
    """Another request moved this flow on meanwhile (double submit, two tabs): this one changed
    nothing (its transaction is rolled back); show the flow where it now is."""
    db.session.rollback()
    flash(_("Cette page n'était plus à jour : rien n'a été modifié. Recommencez ici."), "info")
    return redirect(request.path)


__all__ = ["bp"]

KIND = "recovery"


@bp.before_request
def _only_runnable_flows() -> None:
    if not implemented(g.preset.recovery.all_steps):
        abort(404)


def _steps() -> list[str]:
    return list(g.preset.recovery.steps)


def _alternatives() -> dict[str, list[str]]:
    return {k: list(v) for k, v in g.preset.recovery.alternatives.items()}


def _context(flow: engine.FlowHandle) -> StepContext:
    return StepContext(
        flow=flow,
        realm=g.realm,
        preset=g.preset,
        now=now(),
        client=client_info(),
        broker=current_app.extensions["idp.broker"],
        hasher=current_hasher(),
        config=current_app.config,
        query=request.args.to_dict(),
        link_for=_link_for,
    )


def _link_for(token: str) -> str:
    path = url_for("recovery.open_link", slug=g.realm.slug, token=token)
    return str(current_app.config["BASE_URL"]) + path


def _problem(code: str, status: int, *, until: datetime | None = None) -> tuple[str, int]:
    db.session.commit()
    lock = lock_message(until, now()) if until is not None and until > now() else None
    return render_template("recovery/problem.html", code=code, lock=lock), status


@bp.get("/")
@limiter.limit("30 per minute")
def start(slug: str) -> BaseResponse | tuple[str, int]:
    login = (request.args.get("login") or "").strip()[:120]
    try:
        flow = service.begin(
            session, g.realm, g.preset, kind=KIND, login=login, client=client_info(), now=now()
        )
    except FlowLocked as exc:
        return _problem("captcha_locked", 429, until=exc.until)
    db.session.commit()
    return redirect(url_for("recovery.step", step=flow.step))


@bp.route("/<step>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def step(slug: str, step: str) -> BaseResponse | str | tuple[str, int]:
    try:
        flow = engine.current_flow(
            session, g.realm, _steps(), now=now(), allow_finished=True, alternatives=_alternatives()
        )
    except FlowError as exc:
        return _problem(exc.code, 410 if exc.code == "flow_expired" else 400)
    if not flow.finished and step != flow.step:
        # Back/forward or a second tab: only the current step can be shown.
        flash(_("Cette étape n'est plus disponible : reprenez où vous en étiez."), "info")
        return redirect(url_for("recovery.step", step=flow.step))
    if flow.finished:
        return _ended(flow, step)
    form = STEPS[flow.step].form(_context(flow))
    if request.method == "POST":
        return _post(flow, form)
    ctx = _context(flow)
    if not service.show(flow, ctx, form):
        return _ended(flow, step)
    db.session.commit()
    form.flow_version.data = flow.version
    impl = STEPS[flow.step]
    return render_template(
        impl.template,
        form=form,
        flow=flow,
        alternatives=[(n, STEPS[n].choice_label) for n in flow.options if n != flow.step],
        **impl.page(ctx, form),
    )


@bp.post("/choose")
@limiter.limit("30 per minute")
def choose(slug: str) -> BaseResponse | tuple[str, int]:
    """Another method for the current step (« Entrer un code de mon application... »)."""
    try:
        flow = engine.current_flow(
            session, g.realm, _steps(), now=now(), alternatives=_alternatives()
        )
        form = StepForm()
        if not form.validate_on_submit():
            raise FlowStale("the form is not valid (CSRF)")
        flow.check_version(request.form.get("flow_version"))
        flow.choose((request.form.get("method") or "")[:40])
    except FlowStale:
        flash(_("Cette page n'était plus à jour : rien n'a été modifié. Recommencez ici."), "info")
        return redirect(url_for("recovery.step", step=flow.step))
    except FlowError as exc:
        return _problem(exc.code, 400)
    ctx = _context(flow)
    outcome = STEPS[flow.step].chosen(ctx)
    if outcome.kind == "fail":
        flow.fail(outcome.code, now=ctx.now)
        db.session.commit()
        return _problem(flow.row.failure_code or "flow_failed", 403)
    for name, errors in outcome.errors.items():
        flash(" ".join(errors), "info" if name == "_info" else "error")
    db.session.commit()
    return redirect(url_for("recovery.step", step=flow.step))


def _post(flow: engine.FlowHandle, form: FlaskForm) -> BaseResponse:
    done = service.submit(
        flow,
        _context,
        form,
        action=request.form.get("action", "submit")[:20],
        posted_version=request.form.get("flow_version"),
        valid=form.validate_on_submit(),
    )
    db.session.commit()
    for category, message in done.messages:
        flash(message, category)
    if done.cancelled:
        return redirect(url_for("auth.login"))
    # POST-redirect-GET, whatever happened: a reload never re-posts.
    return redirect(url_for("recovery.step", step=flow.step), code=303)


def _ended(flow: engine.FlowHandle, step: str) -> str | tuple[str, int]:
    if flow.row.completed_at is not None:
        if flow.step == "done" and step == "done":
            return render_template("recovery/done.html", flow=flow)
        return _problem(FlowCompleted.code, 400)
    code = flow.row.failure_code or "flow_failed"
    status = 410 if code == "expired" else 403
    return _problem(code, status, until=flow.locked_until)


def _flow_at(step_name: str) -> engine.FlowHandle:
    try:
        flow = engine.current_flow(
            session, g.realm, _steps(), now=now(), alternatives=_alternatives()
        )
    except FlowError:
        abort(404)
    if flow.step != step_name:
        abort(404)
    return flow


@bp.get("/captcha.png")
def captcha_png(slug: str) -> Response:
    flow = _flow_at("captcha")
    resp = Response(image_png(str(flow.data.get("captcha", ""))), mimetype="image/png")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/captcha.wav")
def captcha_wav(slug: str) -> Response:
    flow = _flow_at("captcha")
    if not g.preset.recovery.captcha.audio:
        abort(404)
    resp = Response(audio_wav(str(flow.data.get("captcha", ""))), mimetype="audio/wav")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/verify_push/status")
def push_status(slug: str) -> Response | tuple[Response, int]:
    try:
        flow = engine.current_flow(
            session, g.realm, _steps(), now=now(), alternatives=_alternatives()
        )
    except FlowError:
        return jsonify({"status": "none"})
    if flow.step != "verify_push":
        return jsonify({"status": "moved"})
    try:
        wait = parse_wait(request.args.get("wait"))
    except WaitInvalid as exc:
        return jsonify({"error": "wait_invalid", "message": str(exc)}), 400
    status = await_answer(
        _context(flow), wait=wait, broker=current_app.extensions["idp.broker"], now=now
    )
    return jsonify({"status": status})


@bp.get("/category/<category_id>")
def category(slug: str, category_id: str) -> str:
    """What to do for a category that this recovery does not serve (seed 001, step 2)."""
    options = g.preset.recovery.choose_category
    chosen = next((c for c in options.categories if c.id == category_id), None)
    if chosen is None or chosen.continues:
        abort(404)
    return render_template("recovery/category.html", category=chosen)


@bp.post("/password-check")
@limiter.limit("120 per minute")
def password_check(slug: str) -> Response:
    """Live rule check and strength while typing (the same pure policy function as on submit)."""
    try:
        flow = engine.current_flow(
            session, g.realm, _steps(), now=now(), alternatives=_alternatives()
        )
    except FlowError:
        return jsonify({"error": "flow_missing"})
    if flow.step != "set_password":
        return jsonify({"error": "flow_moved"})
    body = request.get_json(silent=True)
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(password, str) or len(password) > ABSOLUTE_MAX_LENGTH:
        return jsonify({"error": "password_invalid"})
    ctx = _context(flow)
    user = ctx.user()
    policy = g.preset.password_policy
    outcomes = explain(
        password,
        policy,
        login=user.username if user else None,
        names=names_of(user) if user else (),
        previous_hashes=previous_hashes(user, policy) if user else (),
        verify_hash=ctx.hasher.verify,
    )
    violations = [v for o in outcomes for v in o.violations]
    score, label = strength(password, [ctx.login])
    return jsonify(
        {
            "ok": not violations,
            "rules": {o.rule.code: o.passed for o in outcomes},
            "violations": [
                {"code": v.code.value, "text": str(violation_message(v))} for v in violations
            ],
            "strength": {"score": score, "label": str(label)},
        }
    )


@bp.get("/apply_async/status")
def job_status(slug: str) -> Response:
    try:
        flow = engine.current_flow(
            session, g.realm, _steps(), now=now(), alternatives=_alternatives()
        )
    except FlowError:
        return jsonify({"status": "none"})
    if flow.step != "apply_async":
        return jsonify({"status": "moved"})
    state = status_of(str(flow.data.get("job_id", "")), now=now())
    db.session.commit()
    return jsonify({"status": state})


@bp.get("/link/<token>")
@limiter.limit("30 per minute")
def open_link(slug: str, token: str) -> BaseResponse | tuple[str, int]:
    """The mailed link: valid once, then the flow continues in this browser."""
    flow = service.follow_link(session, g.realm, g.preset, token, client=client_info(), now=now())
    db.session.commit()
    if flow is None:
        return render_template("recovery/link_invalid.html"), 410
    return redirect(url_for("recovery.step", step=flow.step))
