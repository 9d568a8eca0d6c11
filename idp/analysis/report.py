"""The analysis of one realm: verdicts per attacker set and goal, and the standards findings.

``analyze(preset)`` is pure (no database, no request); ``as_dict`` renders it for ``--json``
and the page, with labels in the current locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.analysis.attackers import (
    ATTACKERS,
    CAPABILITY_LABELS,
    GOAL_LABELS,
    MOVE_LABELS,
    AttackerSet,
)
from idp.analysis.journeys import Goal, journeys
from idp.analysis.planner import Action, Blocked, Verdict, plan
from idp.analysis.standards import Finding, findings
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability

__all__ = ["Analysis", "analyze", "as_dict", "move_label"]

GOALS = (
    Goal.RESET_PASSWORD,
    Goal.SIGN_IN,
    Goal.REBIND_SECOND_FACTOR,
    Goal.CHANGE_RECOVERY,
    Goal.ACTIVATE_ACCOUNT,
)


@dataclass(frozen=True)
class Analysis:
    preset: RealmPreset
    verdicts: dict[str, dict[Goal, Verdict]]  # attacker code -> goal -> verdict
    findings: list[Finding]

    @property
    def goals(self) -> tuple[Goal, ...]:
        present = next(iter(self.verdicts.values()), {})
        return tuple(g for g in GOALS if g in present)


def analyze(preset: RealmPreset, attackers: tuple[AttackerSet, ...] = ATTACKERS) -> Analysis:
    paths = journeys(preset)
    verdicts = {a.code: plan(paths, a.capabilities) for a in attackers}
    return Analysis(preset, verdicts, findings(preset, verdicts))


def move_label(move: str) -> str:
    label = MOVE_LABELS.get(move)
    return str(label) if label is not None else move


def _capabilities(capabilities: frozenset[Capability]) -> list[dict[str, str]]:
    return [{"code": c.value, "label": str(CAPABILITY_LABELS[c])} for c in sorted(capabilities)]


def _action(action: Action) -> dict[str, Any]:
    return {
        "goal": action.goal.value,
        "label": str(GOAL_LABELS[action.goal.value]),
        "steps": [
            {
                "move": m.move,
                "label": move_label(m.move),
                "evidence": m.evidence.value,
                "uses": _capabilities(m.needs),
            }
            for m in action.moves
        ],
    }


def _blocked(blocked: Blocked) -> dict[str, Any]:
    lacks: list[dict[str, Any]] = []
    # One line per distinct missing set ("téléphone | code de récupération").
    summary: list[str] = []
    for move, missing in blocked.missing:
        labelled = _capabilities(missing)
        lacks.append({"move": move, "label": move_label(move), "missing": labelled})
        text = ", ".join(c["label"] for c in labelled)
        if text and text not in summary:
            summary.append(text)
    return {
        "at": blocked.gate,
        "label": move_label(blocked.gate),
        "lacks": lacks,
        "summary": summary,
    }


def as_dict(analysis: Analysis) -> dict[str, Any]:
    preset = analysis.preset
    attackers = []
    for attacker in ATTACKERS:
        goals = analysis.verdicts.get(attacker.code)
        if goals is None:
            continue
        attackers.append(
            {
                "code": attacker.code,
                "label": str(attacker.label),
                "capabilities": _capabilities(attacker.capabilities),
                "goals": {
                    goal.value: {
                        "possible": verdict.possible,
                        "path": [_action(a) for a in verdict.path],
                        "blocked": _blocked(verdict.blocked) if verdict.blocked else None,
                    }
                    for goal, verdict in goals.items()
                },
            }
        )
    return {
        "realm": preset.slug,
        "display_name": preset.display_name,
        "recovery_steps": list(preset.recovery.steps),
        "alternatives": {k: list(v) for k, v in preset.recovery.alternatives.items()},
        "push": {
            "enabled": preset.push.enabled,
            "sign_in_second_factor": preset.push.sign_in_second_factor,
            "matching_mode": preset.push.matching_mode,
            "max_challenges": preset.push.max_challenges,
            "window_seconds": preset.push.window_seconds,
        },
        "goals": [{"code": g.value, "label": str(GOAL_LABELS[g.value])} for g in analysis.goals],
        "attackers": attackers,
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "title": str(f.title),
                "detail": f.detail,
                "references": [
                    {"standard": r.standard, "section": r.section, "url": r.url}
                    for r in f.references
                ],
            }
            for f in analysis.findings
        ],
    }
