"""Who reaches which goal: a fixpoint over the journeys, keeping the path of each.

Capabilities only grow (a reset gives the password, a sign-in a session, a rebinding a phone),
so the planner runs the journeys in rounds until nothing new is gained. Each journey done is an
``Action`` recording the option it used at each gate; a goal's path is that action preceded by
the actions that produced the capabilities it used. Where several options get through a gate,
the one needing the earliest-held capabilities wins (the shortest story), then the first
declared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from idp.analysis.journeys import Gate, Goal, Journey, Option
from idp.recovery.capabilities import Capability

__all__ = ["Action", "Blocked", "Verdict", "plan"]


@dataclass(frozen=True)
class Action:
    goal: Goal
    moves: tuple[Option, ...]  # the option taken at each gate
    grants: frozenset[Capability]


@dataclass(frozen=True)
class Blocked:
    """The first gate the attacker cannot pass, and what each of its options still lacks."""

    gate: str
    missing: tuple[tuple[str, frozenset[Capability]], ...]


@dataclass(frozen=True)
class Verdict:
    goal: Goal
    possible: bool
    path: tuple[Action, ...] = ()
    blocked: Blocked | None = None


def _choose(gate: Gate, held: Mapping[Capability, int]) -> Option | None:
    usable = [o for o in gate.options if o.needs <= held.keys()]
    if not usable:
        return None
    return min(usable, key=lambda o: max((held[c] for c in o.needs), default=0))


def _blocked(journey: Journey, held: Iterable[Capability]) -> Blocked:
    have = frozenset(held)
    for gate in journey.gates:
        if not any(o.needs <= have for o in gate.options):
            return Blocked(gate.name, tuple((o.move, o.needs - have) for o in gate.options))
    raise AssertionError("the journey is not blocked")  # pragma: no cover


def plan(journeys: Mapping[Goal, Journey], start: Iterable[Capability]) -> dict[Goal, Verdict]:
    """The verdict for each journey's goal, for an attacker holding ``start``."""
    held: dict[Capability, int] = dict.fromkeys(start, 0)
    source: dict[Capability, Action] = {}
    done: dict[Goal, Action] = {}
    round_ = 0
    progress = True
    while progress:
        progress = False
        round_ += 1
        snapshot = dict(held)
        for goal, journey in journeys.items():
            if goal in done:
                continue
            moves = [_choose(gate, snapshot) for gate in journey.gates]
            if any(m is None for m in moves):
                continue
            action = Action(goal, tuple(m for m in moves if m is not None), journey.grants)
            done[goal] = action
            progress = True
            for capability in journey.grants:
                if capability not in held:
                    held[capability] = round_
                    source[capability] = action
    verdicts: dict[Goal, Verdict] = {}
    for goal, journey in journeys.items():
        if goal in done:
            verdicts[goal] = Verdict(goal, True, path=_path(done[goal], source))
        else:
            verdicts[goal] = Verdict(goal, False, blocked=_blocked(journey, held))
    return verdicts


def _path(action: Action, source: Mapping[Capability, Action]) -> tuple[Action, ...]:
    ordered: list[Action] = []

    def visit(current: Action) -> None:
        for move in current.moves:
            for capability in sorted(move.needs):
                before = source.get(capability)
                if before is not None and before is not current and before not in ordered:
                    visit(before)
        if current not in ordered:
            ordered.append(current)

    visit(action)
    return tuple(ordered)
