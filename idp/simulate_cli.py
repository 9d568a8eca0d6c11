"""``idp simulate fatigue``: the push-fatigue simulator (lab.fatigue) from the command line.

The simulator drives the authenticator's core as well as an IdP, so it lives in the ``lab``
package, imported only when the command runs: the IdP itself never depends on the app.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import click

__all__ = ["simulate_group"]


@click.group("simulate")
def simulate_group() -> None:
    """Research simulations against a throw-away IdP in test mode (loopback, in process)."""


@simulate_group.command("fatigue")
@click.option("--realm", default="jasmin", show_default=True, help="built-in preset to vary.")
@click.option("--attempts", default=5, type=int, show_default=True, help="attacks per bar.")
@click.option("--hours", default=0.5, type=float, show_default=True, help="length of an attack.")
@click.option(
    "--user-model",
    "user_models",
    multiple=True,
    metavar="MODEL",
    help="attentive, annoyed[:K], random[:P], distracted (repeat; default: all four).",
)
@click.option("--mode", "modes", multiple=True, type=click.Choice(["none", "typed", "choose"]))
@click.option(
    "--defence",
    "defences",
    multiple=True,
    type=click.Choice(["none", "cap", "report-blocks", "cap+report-blocks"]),
)
@click.option(
    "--purpose",
    type=click.Choice(["sign_in", "password_reset"]),
    default="sign_in",
    show_default=True,
)
@click.option("--interval", default=60, type=int, show_default=True, help="s between pushes.")
@click.option("--reaction", default=10, type=int, show_default=True, help="s to answer.")
@click.option("--seed", default=0, type=int, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="the report as one JSON document.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="write a PNG.")
def fatigue(
    *,
    realm: str,
    attempts: int,
    hours: float,
    user_models: tuple[str, ...],
    modes: tuple[str, ...],
    defences: tuple[str, ...],
    purpose: str,
    interval: int,
    reaction: int,
    seed: int,
    as_json: bool,
    plot: Path | None,
) -> None:
    """Scripted push-bombing bursts against simulated victims, through the real protocol."""
    lab: Any = importlib.import_module("lab.fatigue")
    victims: Any = importlib.import_module("lab.victims")
    try:
        models = tuple(victims.parse_user_model(m) for m in user_models)
    except ValueError as exc:
        raise click.UsageError(f"--user-model: {exc}") from None
    defaults = lab.FatigueSettings()
    settings = lab.FatigueSettings(
        realm=realm,
        attempts=attempts,
        hours=hours,
        user_models=models or defaults.user_models,
        modes=modes or defaults.modes,
        defences=defences or defaults.defences,
        purpose=purpose,
        interval_seconds=interval,
        reaction_seconds=reaction,
        seed=seed,
    )
    try:
        report = lab.run_fatigue(
            settings, progress=lambda line: click.echo(line, err=True) if not as_json else None
        )
    except lab.SimulationError as exc:
        raise click.UsageError(str(exc)) from None
    if plot is not None:
        plotting: Any = importlib.import_module("lab.fatigue_plot")
        try:
            plotting.plot_fatigue(report, plot)
        except plotting.PlotUnavailable as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(_table(report))


def _table(report: dict[str, Any]) -> str:
    lines = [
        f"{'mode':6} {'defence':17} {'victim':11} {'success':>8} {'prompts':>8} "
        f"{'median prompts':>14} {'median time':>11}"
    ]
    for row in report["results"]:
        if row["refused"]:
            lines.append(f"{row['mode']:6} {row['defence']:17} {row['user_model']:11} refused")
            continue
        prompts = row["prompts_before_compromise"]["median"]
        seconds = row["time_to_compromise_seconds"]["median"]
        lines.append(
            f"{row['mode']:6} {row['defence']:17} {row['user_model']:11} "
            f"{100 * row['success_rate']:7.0f}% {row['prompts_seen']:8} "
            f"{'-' if prompts is None else f'{prompts:g}':>14} "
            f"{'-' if seconds is None else f'{seconds:g} s':>11}"
        )
    lines.append(f"({report['wall_seconds']} s of real time)")
    return "\n".join(lines)
