"""``verify_push``: "Envoyer une notification", number matching in the app (seed 000, 06-09).

The browser shows the 2-digit number and waits; the step moves on by itself when the app
approves.

Security: an unknown identifier or an account without a device gets exactly the page of a
sent notification (a decoy number that nobody can approve, which expires like a real
challenge), so the page never tells an anonymous visitor whether an account has a device;
the audit records the difference.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from idp.audit.service import record
from idp.extensions import db
from idp.models import Challenge
from idp.push.broker import Broker
from idp.push.challenges import active_devices, create_challenge, refresh_status, status_of
from idp.push.errors import NoDevice, PushBlocked, PushRateLimited
from idp.push.waiting import Waited, wait_for_nothing, wait_while_pending
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence, Requirement
from idp.recovery.decoy_cap import decoy_retry_after
from idp.recovery.steps.base import Outcome, Step, StepContext
from idp.web.durations import retry_message

__all__ = ["Decoy", "VerifyPushStep", "await_answer", "challenge_state"]


@dataclass(frozen=True)
class Decoy:
    """What the page shows when no notification could be sent (see the module's docstring)."""

    number: int


def challenge_state(ctx: StepContext) -> tuple[Challenge | Decoy | None, str]:
    challenge_id = ctx.flow.data.get("challenge_id")
    challenge = db.session.get(Challenge, challenge_id) if challenge_id else None
    if challenge is None:
        decoy = ctx.flow.data.get("decoy")
        if isinstance(decoy, dict):
            expired = datetime.fromisoformat(str(decoy["expires_at"])) <= ctx.now
            return Decoy(int(decoy["number"])), "expired" if expired else "pending"
        return None, "none"
    return challenge, refresh_status(challenge, now=ctx.now)


def await_answer(
    ctx: StepContext, *, wait: int, broker: Broker, now: Callable[[], datetime]
) -> str:
    """The status the waiting page long-polls (``?wait=S``): as soon as the app answered, or
    after ``wait`` seconds. A decoy waits exactly as a real notification nobody answers would
    (until ``wait`` or its expiry), so the timing tells an anonymous visitor nothing either."""
    challenge, status = challenge_state(ctx)
    if status != "pending" or not wait:
        return status
    if isinstance(challenge, Challenge):
        challenge_id = challenge.id

        def read() -> Waited:
            state = status_of(challenge_id, now=now())
            return Waited(state.status, state.expires_at) if state else Waited("none", None)

        return wait_while_pending(
            read,
            user_id=challenge.user_id,
            challenge_id=challenge_id,
            broker=broker,
            wait=wait,
            now=now,
        ).status
    decoy = ctx.flow.data.get("decoy")
    expires = datetime.fromisoformat(str(decoy["expires_at"])) if isinstance(decoy, dict) else now()
    wait_for_nothing(until=expires, wait=wait, now=now)
    return "expired" if expires <= now() else "pending"


class VerifyPushStep(Step):
    name = "verify_push"
    template = "recovery/verify_push.html"
    choice_label = _l("Envoyer une notification")

    def requirement(self, preset: RealmPreset) -> Requirement:
        return Requirement.all_of([Capability.PHONE], Evidence.PUSH)

    def chosen(self, ctx: StepContext) -> Outcome:
        # Picked from another method's page: « Envoyer une notification » sends it at once.
        return self._send(ctx)

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        if action == "continue":
            _challenge, status = challenge_state(ctx)
            outcomes = {"approved": Outcome.next(), "reported": Outcome.fail("push_reported")}
            return outcomes.get(status, Outcome.stay())
        return self._send(ctx)

    def _send(self, ctx: StepContext) -> Outcome:
        """ "Envoyer une notification" (or send another one)."""
        user = ctx.user()
        if user is None or not active_devices(user):
            retry_after = decoy_retry_after(ctx.realm.slug, ctx.login, ctx.preset.push, now=ctx.now)
            if retry_after is not None:  # the real cap's answer, word for word
                record(
                    "push_rate_limited",
                    "failure",
                    now=ctx.now,
                    realm=ctx.realm.slug,
                    actor=ctx.login,
                    user_id=user.id if user else None,
                    client=ctx.client,
                    details={"purpose": "password_reset", "decoy": True},
                )
                return Outcome.stay("rate_limited", errors={"push": [retry_message(retry_after)]})
            record(
                "recovery_push",
                "failure",
                now=ctx.now,
                realm=ctx.realm.slug,
                actor=ctx.login,
                user_id=user.id if user else None,
                client=ctx.client,
                details={"reason": "no_device" if user else "unknown_user"},
            )
            self._decoy(ctx)
            return Outcome.stay()
        service = f"{ctx.preset.display_name} – " + _("réinitialisation du mot de passe")
        try:
            challenge = create_challenge(
                user,
                purpose="password_reset",
                service=service,
                client=ctx.client,
                now=ctx.now,
                broker=ctx.broker,
                flow_id=ctx.flow.row.id,
            )
        except PushBlocked:
            return Outcome.fail("push_blocked")
        except PushRateLimited as exc:
            message = retry_message(exc.retry_after)
            return Outcome.stay("rate_limited", errors={"push": [message]})
        except NoDevice:
            self._decoy(ctx)
            return Outcome.stay()
        ctx.flow.update(challenge_id=challenge.id, decoy=None)
        ctx.flow.touch()
        return Outcome.stay()

    def _decoy(self, ctx: StepContext) -> None:
        ttl = timedelta(seconds=ctx.preset.push.challenge_ttl_seconds)
        number = secrets.randbelow(90) + 10  # same range as a real typed-mode number
        ctx.flow.update(
            challenge_id=None,
            decoy={"number": number, "expires_at": (ctx.now + ttl).isoformat()},
        )
        ctx.flow.touch()

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        challenge, status = challenge_state(ctx)
        return {"challenge": challenge, "push_status": status}
