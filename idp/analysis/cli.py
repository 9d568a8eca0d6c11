"""``idp realm analyze SLUG [--json]`` (and ``--file PRESET.toml``): the analysis as text or JSON.

The realm's preset comes from the database; a slug that is not imported falls back to the
built-in preset of that name, and ``--file`` analyses a preset that was never imported (a
researcher's synthetic flow). No server runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

__all__ = ["analyze_command", "render_text"]


@click.command("analyze")
@click.argument("slug", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="analyse this preset file instead of a realm.",
)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the analysis as JSON.")
@with_appcontext
def analyze_command(slug: str | None, file: Path | None, lang: str, as_json: bool) -> None:
    """Who can reset the password, sign in, rebind the second factor or take over recovery of
    an account in realm SLUG, for each attacker capability set; and where the realm's policy
    contradicts NIST SP 800-63B and OWASP ASVS 4.0.3."""
    from flask_babel import force_locale

    from idp.analysis import analyze, as_dict
    from idp.analysis.source import PresetNotFound, load_for_analysis
    from idp.realms.preset import PresetError

    if (slug is None) == (file is None):
        click.echo("error: give a realm SLUG or --file PRESET.toml (one of them)", err=True)
        sys.exit(2)
    try:
        preset = load_for_analysis(slug=slug, file=file)
    except PresetNotFound as exc:
        click.echo(f"error: realm: {exc}", err=True)
        sys.exit(2)
    except PresetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    with force_locale(lang):
        data = as_dict(analyze(preset))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(render_text(data), nl=False)


_YES_NO = {True: "YES", False: "no"}


def _steps(data: dict[str, Any]) -> str:
    parts = []
    for step in data["recovery_steps"]:
        options = [step, *data["alternatives"].get(step, [])]
        parts.append(" | ".join(options))
    return " -> ".join(parts)


def _path_text(path: list[dict[str, Any]]) -> list[str]:
    lines = []
    for action in path:
        moves = []
        for step in action["steps"]:
            uses = ", ".join(c["label"] for c in step["uses"])
            moves.append(f"{step['label']} [{uses}]" if uses else step["label"])
        lines.append(f"      {action['label']}: " + " > ".join(moves))
    return lines


def render_text(data: dict[str, Any]) -> str:
    goals = data["goals"]
    width = max(len(a["label"]) for a in data["attackers"]) + 2
    out = [
        f"{data['display_name']} ({data['realm']})",
        f"recovery: {_steps(data)}",
        "",
        " " * width + "  ".join(f"{g['code']:<20}" for g in goals).rstrip(),
    ]
    for attacker in data["attackers"]:
        cells = "  ".join(
            f"{_YES_NO[attacker['goals'][g['code']]['possible']]:<20}" for g in goals
        ).rstrip()
        out.append(f"{attacker['label']:<{width}}{cells}")
    out.append("")
    for attacker in data["attackers"]:
        out.append(f"  {attacker['label']}")
        seen: list[str] = []
        for goal in goals:
            verdict = attacker["goals"][goal["code"]]
            for action in verdict["path"]:
                if action["goal"] not in seen:
                    seen.append(action["goal"])
                    out += _path_text([action])
        for goal in goals:
            blocked = attacker["goals"][goal["code"]]["blocked"]
            if blocked is None:
                continue
            if blocked["at"] == "session":
                out.append(f"      {goal['label']}: no (needs a sign-in)")
                continue
            out.append(
                f'      {goal["label"]}: no, blocked at "{blocked["label"]}" '
                f"(lacks {' | '.join(blocked['summary'])})"
            )
    out.append("")
    out.append(f"findings ({len(data['findings'])}):")
    for finding in data["findings"]:
        refs = "; ".join(f"{r['standard']} {r['section']}" for r in finding["references"])
        out.append(f"  [{finding['severity']}] {finding['code']}: {finding['title']}")
        out.append(f"      {finding['detail']}")
        out.append(f"      see {refs}")
    return "\n".join(out) + "\n"
