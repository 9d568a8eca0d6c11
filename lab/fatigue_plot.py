"""The fatigue simulator's figure: share of attacks that succeed, bars by matching mode x user
model, one panel per defence setting (matplotlib, PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["PlotUnavailable", "plot_fatigue"]


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed (``pip install .[research]``)."""


def plot_fatigue(report: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, no display
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError:
        raise PlotUnavailable(
            "--plot needs matplotlib: install the research extra (pip install '.[research]')"
        ) from None
    settings = report["settings"]
    modes, models, defences = settings["modes"], settings["user_models"], settings["defences"]
    cells = {(r["defence"], r["mode"], r["user_model"]): r for r in report["results"]}
    fig, axes = plt.subplots(
        1, len(defences), figsize=(4.2 * len(defences), 4.8), sharey=True, squeeze=False
    )
    width = 0.8 / max(1, len(models))
    for ax, defence in zip(axes[0], defences, strict=True):
        for index, model in enumerate(models):
            xs, heights, hatches = [], [], []
            for position, mode in enumerate(modes):
                cell = cells.get((defence, mode, model))
                xs.append(position + (index - (len(models) - 1) / 2) * width)
                share = None if cell is None or cell["refused"] else cell["success_rate"]
                heights.append(0.0 if share is None else 100 * share)
                hatches.append("//" if share is None else "")
            bars = ax.bar(xs, heights, width, label=model, color=f"C{index}")
            for bar, hatch in zip(bars, hatches, strict=True):
                bar.set_hatch(hatch)
        for position, mode in enumerate(modes):
            if all((cells.get((defence, mode, m)) or {}).get("refused") for m in models):
                ax.text(position, 50, "refused\nby the IdP", ha="center", fontsize="small")
        ax.set_xticks(range(len(modes)), modes)
        ax.set_title(defence)
        ax.set_ylim(0, 100)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("attacks that succeed (%)")
    handles = [Patch(color=f"C{i}", label=model) for i, model in enumerate(models)]
    fig.legend(
        handles=handles, title="victim", loc="lower center", ncol=len(models), fontsize="small"
    )
    fig.suptitle(
        f"Push fatigue on {settings['realm']} ({settings['purpose']}): {settings['attempts']} "
        f"attacks of {settings['hours']:g} h per bar, seed {settings['seed']}",
        fontsize="medium",
    )
    fig.tight_layout(rect=(0, 0.12, 1, 1))  # room for the legend under the panels
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)
