"""The attack paths of an analysis as a Graphviz graph, rendered to SVG by Debian's ``dot``.

Each attacker set is a node on the left. An attacker that reaches goals has its path drawn in
its own colour through the steps it takes (edges into a step are labelled with what the
attacker uses there) to the goal nodes; an attacker that reaches nothing has a dashed grey edge
to the step that stops it, labelled with what it lacks. Labels come from ``as_dict`` (already in
the page's language).

``dot`` runs as a subprocess with a timeout and is not given any file or user input other than
the graph source, whose strings are escaped here; the result is cached per source.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import textwrap
from functools import lru_cache
from typing import Any

__all__ = ["PALETTE", "dot_source", "render_svg"]

PALETTE = (
    "#c0392b",
    "#1f6fb4",
    "#2e8b3a",
    "#8e44ad",
    "#d35400",
    "#7f5539",
    "#c2185b",
    "#00838f",
)
_GREY = "#8a8a8a"
DOT_TIMEOUT_SECONDS = 10


def _quote(text: str, width: int = 24) -> str:
    lines = textwrap.wrap(text, width) or [""]
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    return '"' + "\\n".join(escaped) + '"'


def _node_id(kind: str, name: str) -> str:
    return _quote(f"{kind}:{name}", width=10_000)


# Moves not drawn: they ask nothing and prove nothing (the text lists them).
_QUIET_CAPABILITIES = frozenset({"session"})


def _drawn(step: dict[str, Any]) -> bool:
    used = {c["code"] for c in step["uses"]} - _QUIET_CAPABILITIES
    return bool(used) or step["evidence"] not in ("none",)


def dot_source(data: dict[str, Any], *, lacks: str = "manque : {}") -> str:
    """The DOT text of the attack graph of ``as_dict(analysis)``: one row per attacker set,
    its own copies of the steps, so that no two stories cross. ``lacks`` formats what a
    blocked attacker lacks (translated by the caller)."""
    lines = [
        "digraph attack_paths {",
        '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.2, ranksep=0.35, '
        'fontname="DejaVu Sans", fontsize=11];',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#555555", '
        'fontname="DejaVu Sans", fontsize=10, margin="0.1,0.05"];',
        '  edge [fontname="DejaVu Sans", fontsize=9, arrowsize=0.7];',
    ]
    goal_labels = {g["code"]: g["label"] for g in data["goals"]}
    for index, attacker in enumerate(data["attackers"]):
        colour = PALETTE[index % len(PALETTE)]
        code = attacker["code"]
        start = _node_id(code, "start")
        reached = [g for g, v in attacker["goals"].items() if v["possible"]]
        fill, border = ("#fff4e5", colour) if reached else ("#f1f1f1", _GREY)
        lines.append(
            f"  {start} [label={_quote(attacker['label'])}, style=filled, "
            f'fillcolor="{fill}", color="{border}", penwidth=1.6];'
        )
        if not reached:
            lines += _blocked_edge(attacker, start, lacks)
            continue
        drawn: set[str] = set()
        for goal in reached:
            path = attacker["goals"][goal]["path"]
            for position, action in enumerate(path):
                if action["goal"] in drawn:
                    continue
                drawn.add(action["goal"])
                previous = start if position == 0 else _node_id(code, path[position - 1]["goal"])
                for step in (s for s in action["steps"] if _drawn(s)):
                    target = _node_id(code, f"{action['goal']}:{step['move']}")
                    lines.append(f"  {target} [label={_quote(step['label'])}];")
                    uses = ", ".join(
                        c["label"]
                        for c in step["uses"]
                        if c["code"] not in ("identifier", "session", "password")
                    )
                    label = f", label={_quote(uses, 18)}" if uses else ""
                    lines.append(
                        f'  {previous} -> {target} [color="{colour}", fontcolor="{colour}", '
                        f"penwidth=1.8{label}];"
                    )
                    previous = target
                goal_node = _node_id(code, action["goal"])
                lines.append(
                    f"  {goal_node} [label={_quote(goal_labels[action['goal']])}, "
                    'style="filled,bold", fillcolor="#fde2e1", color="#a4161a"];'
                )
                lines.append(f'  {previous} -> {goal_node} [color="{colour}", penwidth=1.8];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _blocked_edge(attacker: dict[str, Any], start: str, lacks: str) -> list[str]:
    """A dashed edge to the recovery step that stops the attacker, labelled with the smallest
    sets of capabilities that would get it through."""
    blocked = attacker["goals"]["reset_password"]["blocked"]
    target = _node_id(attacker["code"], f"blocked:{blocked['at']}")
    sizes = [len(o["missing"]) for o in blocked["lacks"] if o["missing"]]
    smallest: list[str] = []
    for option in blocked["lacks"]:
        if option["missing"] and len(option["missing"]) == min(sizes):
            text = ", ".join(c["label"] for c in option["missing"])
            if text not in smallest:
                smallest.append(text)
    label = lacks.format(" | ".join(smallest)) if smallest else blocked["label"]
    return [
        f'  {target} [label={_quote(blocked["label"])}, color="{_GREY}", fontcolor="#555555"];',
        f'  {start} -> {target} [style=dashed, color="{_GREY}", fontcolor="#555555", '
        f"arrowhead=tee, label={_quote(label, 22)}];",
    ]


_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


@lru_cache(maxsize=32)
def render_svg(source: str) -> str | None:
    """``dot -Tsvg`` of ``source`` as an inline ``<svg>`` element; None when ``dot`` is not
    installed or fails (the page then says so and shows the text alone)."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed executable, the graph on stdin
            [dot, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    svg = done.stdout.decode("utf-8")
    svg = _COMMENT.sub("", _PROLOGUE.sub("", svg, count=1))
    return svg.strip()
