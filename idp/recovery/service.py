"""Running a recovery flow: begin it, show its current step, submit a step, follow a mailed link.

The views stay thin (validate, call one of these, commit, redirect or render); this module
owns what happens to the flow. Every POST ends in a redirect to the step's GET URL
(POST-redirect-GET): what the next page must say (field errors, the values typed, except
secrets) is kept with the flow for exactly one display. A reload, or a script that reloads
the page, then never re-posts a form (Chromium used to, and got « Cette page n'était plus à
jour » above the real message).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.models import FlowState, Realm
from idp.realms.schema import RealmPreset
from idp.recovery import engine
from idp.recovery.errors import FlowStale
from idp.recovery.links import LinkInvalid, check_link
from idp.recovery.steps import STEPS, StepContext

__all__ = ["Submitted", "alternatives_of", "begin", "follow_link", "show", "submit"]

ContextFor = Callable[[engine.FlowHandle], StepContext]

# Never kept between the POST and the page that follows it: secrets, and single-use answers.
_NOT_KEPT = frozenset({"csrf_token", "flow_version", "answer", "code"})


@dataclass(frozen=True)
class Submitted:
    """What a POST did. The view flashes ``messages`` and redirects to the flow's step."""

    messages: list[tuple[str, str]] = field(default_factory=list)  # (category, text)
    cancelled: bool = False


def begin(
    session: MutableMapping[str, Any],
    realm: Realm,
    preset: RealmPreset,
    *,
    kind: str,
    login: str,
    client: ClientInfo,
    now: datetime,
) -> engine.FlowHandle:
    """A new flow; FlowLocked while the identifier *or this client* is locked out."""
    opts = preset.recovery.captcha
    key = engine.client_key(client.ip)
    if "captcha" in preset.recovery.steps:
        engine.check_lock(
            realm,
            login,
            client=key,
            code="captcha_locked",
            lock=timedelta(seconds=opts.lock_seconds),
            now=now,
        )
    return engine.start_flow(
        session,
        realm,
        list(preset.recovery.steps),
        kind=kind,
        now=now,
        ttl=timedelta(seconds=preset.recovery.flow_ttl_seconds),
        subject=login or None,
        client=key,
        data={"login": login},
        alternatives=alternatives_of(preset),
    )


def alternatives_of(preset: RealmPreset) -> dict[str, list[str]]:
    """The methods each step offers besides itself (``[recovery.alternatives]``, issue 16)."""
    return {k: list(v) for k, v in preset.recovery.alternatives.items()}


def show(flow: engine.FlowHandle, ctx: StepContext, form: FlaskForm) -> bool:
    """Prepare the current step's page; False when a lock met here ended the flow instead."""
    impl = STEPS[flow.step]
    gated = impl.gate(ctx)
    if gated is not None and gated.kind == "fail":
        flow.fail(gated.code, now=ctx.now, until=gated.until)
        return False
    _restore(flow, form)
    impl.prepare(ctx)
    return True


def submit(
    flow: engine.FlowHandle,
    context_for: ContextFor,
    form: FlaskForm,
    *,
    action: str,
    posted_version: str | None,
    valid: bool,
) -> Submitted:
    """Run the current step's handler on a POST; the caller commits and redirects."""
    try:
        flow.check_version(posted_version)
    except FlowStale:
        return Submitted(
            [("info", _("Cette page n'était plus à jour : rien n'a été modifié. Recommencez ici."))]
        )
    if action == "submit" and not valid:
        csrf = [("error", str(e)) for e in form.errors.get("csrf_token", [])]
        _keep(flow, form, {k: v for k, v in form.errors.items() if k != "csrf_token"})
        return Submitted(csrf)
    ctx = context_for(flow)
    outcome = STEPS[flow.step].handle(ctx, form, action)
    if outcome.kind == "next":
        flow.advance(now=ctx.now)
        while STEPS[flow.step].satisfied(context_for(flow)):
            flow.advance(now=ctx.now)
        STEPS[flow.step].prepare(context_for(flow))
        return Submitted()
    if outcome.kind == "fail":
        flow.fail(outcome.code, now=ctx.now, until=outcome.until)
        if outcome.code == "cancelled":
            return Submitted(
                [
                    (
                        "info",
                        _(
                            "Vous avez annulé la réinitialisation de votre mot de passe. "
                            "Rien n'a été modifié."
                        ),
                    )
                ],
                cancelled=True,
            )
        return Submitted()
    messages: list[tuple[str, str]] = []
    errors: dict[str, list[str]] = {}
    for name, texts in outcome.errors.items():
        if name == "_info":
            messages.append(("info", " ".join(texts)))
        elif name == "_form" or getattr(form, name, None) is None:
            messages.append(("error", " ".join(texts)))
        else:
            errors[name] = [str(t) for t in texts]
    _keep(flow, form, errors)
    return Submitted(messages)


def _keep(flow: engine.FlowHandle, form: FlaskForm, errors: dict[str, Any]) -> None:
    """What the next display of this step shows: errors and what was typed (not secrets)."""
    values = {
        f.name: f.data
        for f in form
        if f.name not in _NOT_KEPT
        and not isinstance(f, PasswordField)
        and isinstance(f.data, str | bool)
    }
    flow.update(
        page={
            "version": flow.version,
            "errors": {k: [str(e) for e in v] for k, v in errors.items()},
            "values": values,
        }
    )


def _restore(flow: engine.FlowHandle, form: FlaskForm) -> None:
    page = flow.data.get("page")
    if not isinstance(page, dict):
        return
    flow.update(page=None)  # shown once, like a flashed message
    if page.get("version") != flow.version:
        return
    for name, value in dict(page.get("values") or {}).items():
        target = getattr(form, name, None)
        if target is not None:
            target.data = value
    for name, texts in dict(page.get("errors") or {}).items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = list(texts)


def follow_link(
    session: MutableMapping[str, Any],
    realm: Realm,
    preset: RealmPreset,
    token: str,
    *,
    client: ClientInfo,
    now: datetime,
) -> engine.FlowHandle | None:
    """The mailed link (seed 003): valid once, then the flow goes on in this browser.

    None when the link cannot be used (the reason is audited, never shown in detail)."""
    try:
        link = check_link(token, now=now)
        row = db.session.get(FlowState, link.flow_id)
        if row is None or row.realm_id != realm.id or row.completed_at or row.failed_at:
            raise LinkInvalid("flow_ended")
        flow = engine.adopt_flow(
            session,
            realm,
            list(preset.recovery.steps),
            row,
            now=now,
            ttl=timedelta(seconds=preset.recovery.flow_ttl_seconds),
            alternatives=alternatives_of(preset),
        )
        if flow.step != "verify_email_link":
            raise LinkInvalid("flow_moved")
        flow.update(login=link.user.username)
        flow.advance(now=now)
    except LinkInvalid as exc:
        db.session.rollback()
        record(
            "recovery_link",
            "failure",
            now=now,
            realm=realm.slug,
            client=client,
            details={"reason": exc.reason},
        )
        return None
    record("recovery_link", "success", now=now, realm=realm.slug, user=link.user, client=client)
    return flow
