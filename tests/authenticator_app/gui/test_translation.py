"""``tr``: kv rules re-evaluated on a language change, whatever the collector does meanwhile."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from authenticator_app.i18n import Translator


@pytest.fixture
def collector_on_every_allocation() -> Iterator[list[Any]]:
    """Collect at every allocation, running ``callbacks`` as weakref callbacks would run."""
    callbacks: list[Any] = []

    def run(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            for callback in callbacks:
                callback()

    threshold = gc.get_threshold()
    gc.callbacks.append(run)
    gc.set_threshold(1, 1, 1)
    try:
        yield callbacks
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(run)


def test_a_rule_dropped_by_the_collector_during_a_language_change(
    collector_on_every_allocation: list[Any],
) -> None:
    from authenticator_app.screens.translation import KvTranslator

    translator = KvTranslator()
    translator.use(Translator())
    seen: list[int] = []
    uids = [
        translator.fbind("_", lambda *args, n=n: seen.append(n))  # type: ignore[misc]
        for n in range(200)
    ]
    doomed = iter(uids[100:])

    def destructor() -> None:  # what kv does when a widget with rules dies
        uid = next(doomed, None)
        if uid is not None:
            translator.unbind_uid("_", uid)

    collector_on_every_allocation.append(destructor)
    translator.translator.set_language("en")
    collector_on_every_allocation.clear()

    assert seen[:100] == list(range(100))
    assert len(translator._rules) < 200  # the collector did drop rules meanwhile
    seen.clear()
    translator.translator.set_language("fr")
    assert seen == sorted(seen)
    assert set(range(100)) <= set(seen)
