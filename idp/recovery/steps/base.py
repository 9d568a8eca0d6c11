"""What a recovery step is: a form, a template, and a handler returning an outcome.

A step sees the request only through its ``StepContext`` (no ``request``, ``url_for`` or
``current_app`` in ``recovery/steps/``): the view builds the context, the step decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from flask_wtf import FlaskForm

from idp.audit.service import ClientInfo
from idp.models import Realm, User
from idp.push.broker import Broker
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Requirement
from idp.recovery.engine import FlowHandle
from idp.security.passwords import Hasher
from idp.users.service import find_user

__all__ = ["Outcome", "Step", "StepContext"]


@dataclass
class StepContext:
    flow: FlowHandle
    realm: Realm
    preset: RealmPreset
    now: datetime
    client: ClientInfo
    broker: Broker
    hasher: Hasher
    config: Mapping[str, Any]
    # The page's query string (a step never reads ``request``).
    query: Mapping[str, str]
    # The absolute URL of a mailed reset link for ``token`` (a step never calls ``url_for``).
    link_for: Callable[[str], str]

    @property
    def login(self) -> str:
        return str(self.flow.data.get("login") or "")

    def user(self) -> User | None:
        """The account the flow is about, if the identifier names one (never revealed)."""
        return find_user(self.realm, self.login) if self.login else None


@dataclass(frozen=True)
class Outcome:
    kind: str  # "next" | "stay" | "fail"
    code: str = ""
    errors: Mapping[str, list[str]] = field(default_factory=dict)
    # For a failure that is (or meets) a lock: when it ends, shown on the problem page.
    until: datetime | None = None

    @classmethod
    def next(cls) -> Outcome:
        return cls("next")

    @classmethod
    def stay(cls, code: str = "", errors: Mapping[str, list[str]] | None = None) -> Outcome:
        return cls("stay", code, errors or {})

    @classmethod
    def fail(cls, code: str, *, until: datetime | None = None) -> Outcome:
        return cls("fail", code, until=until)


class Step:
    """One step of a recovery flow. Subclasses set ``name`` and ``template``."""

    name: ClassVar[str]
    template: ClassVar[str]
    # The button that picks this step when it is offered as an alternative to another one
    # ([recovery.alternatives]); a lazy translation.
    choice_label: ClassVar[Any] = None

    def requirement(self, preset: RealmPreset) -> Requirement:
        """What getting through this step takes, as attacker capabilities (read by the
        recovery-policy analyzer, ``idp.analysis``). Steps that prove nothing keep this."""
        return Requirement.nothing()

    def form(self, ctx: StepContext) -> FlaskForm:
        from idp.recovery.forms import StepForm

        return StepForm()

    def satisfied(self, ctx: StepContext) -> bool:
        """True when an earlier page already did this step's work (it then passes on)."""
        return False

    def gate(self, ctx: StepContext) -> Outcome | None:
        """Checked before the step is shown: a failure here ends the flow (a lock that began
        in an earlier attempt, e.g.); None lets the page show."""
        return None

    def prepare(self, ctx: StepContext) -> None:
        """Called when the step is displayed (GET): set up what the page needs."""

    def handle(self, ctx: StepContext, form: FlaskForm, action: str) -> Outcome:
        raise NotImplementedError

    def chosen(self, ctx: StepContext) -> Outcome:
        """Called when the user picks this step among alternatives; it may act at once."""
        return Outcome.stay()

    def page(self, ctx: StepContext, form: FlaskForm) -> dict[str, Any]:
        """Extra template variables."""
        return {}
