"""Presenter tests: no Kivy. Fake views record what they are given; the runner is synchronous;
the clock is fixed; the navigator records where it was sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from authenticator_app.i18n import Translator
from authenticator_app.presenters.runner import ImmediateRunner


class FakeView:
    """Any screen: ``render`` keeps the models; other calls are counted."""

    def __init__(self) -> None:
        self.models: list[Any] = []
        self.calls: list[str] = []

    @property
    def model(self) -> Any:
        return self.models[-1]

    def render(self, model: Any) -> None:
        self.models.append(model)

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("clear_", "show_")):
            return lambda *args: self.calls.append(name)
        raise AttributeError(name)


@dataclass
class FakeNavigator:
    routes: list[tuple[str, str | None]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    backs: int = 0

    def show(self, route: str, account_id: str | None = None) -> None:
        self.routes.append((route, account_id))

    def back(self) -> None:
        self.backs += 1

    def notice(self, text: str) -> None:
        self.notices.append(text)


class QueuedRunner(ImmediateRunner):
    """Holds work until :meth:`run_all`: to look at a screen while its work is running."""

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[Any] = []

    def submit(self, work: Any, done: Any, failed: Any) -> None:
        self.queue.append((work, done, failed))

    def run_all(self) -> None:
        while self.queue:
            work, done, failed = self.queue.pop(0)
            ImmediateRunner.submit(self, work, done, failed)


@pytest.fixture
def view() -> FakeView:
    return FakeView()


@pytest.fixture
def nav() -> FakeNavigator:
    return FakeNavigator()


@pytest.fixture
def translator() -> Translator:
    return Translator("fr")


@pytest.fixture
def runner() -> ImmediateRunner:
    return ImmediateRunner()
