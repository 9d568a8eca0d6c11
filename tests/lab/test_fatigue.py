"""The push-fatigue simulator against a real loopback IdP: its figures must be what the
protocol and the victim models imply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from idp.cli import cli
from lab.fatigue import FatigueSettings, SimulationError, run_fatigue
from lab.victims import parse_user_model

pytestmark = pytest.mark.slow


def _models(*names: str) -> tuple[Any, ...]:
    return tuple(parse_user_model(n) for n in names)


def _cells(report: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["mode"], r["defence"], r["user_model"]): r for r in report["results"]}


@pytest.fixture(scope="module")
def none_mode() -> dict[str, Any]:
    """Mode none on a realm without push recovery (jasmin refuses none, see below)."""
    return run_fatigue(
        FatigueSettings(
            realm="metamots",
            attempts=3,
            hours=0.25,
            modes=("none",),
            defences=("none", "cap"),
            user_models=_models("attentive", "annoyed:3", "annoyed:7"),
        )
    )


def test_attentive_is_never_compromised(none_mode: dict[str, Any]) -> None:
    for defence in ("none", "cap"):
        cell = _cells(none_mode)[("none", defence, "attentive")]
        assert cell["compromised"] == 0
        assert cell["prompts_before_compromise"]["max"] is None


def test_annoyed_gives_in_at_exactly_the_kth_prompt(none_mode: dict[str, Any]) -> None:
    cell = _cells(none_mode)[("none", "none", "annoyed:3")]
    assert cell["compromised"] == cell["attacks"] == 3
    assert cell["prompts_before_compromise"] == {"min": 3, "median": 3, "mean": 3, "max": 3}
    # two intervals of 60 s, then the reaction of 10 s
    assert cell["time_to_compromise_seconds"]["max"] == 2 * 60 + 10


def test_the_cap_stops_annoyed_before_k(none_mode: dict[str, Any]) -> None:
    """jasmin's cap: 5 pushes per 15 min; an attack of 15 min never reaches the 7th prompt."""
    capped = _cells(none_mode)[("none", "cap", "annoyed:7")]
    assert capped["compromised"] == 0
    assert capped["rate_limited"] > 0
    assert capped["prompts_seen"] == 3 * 5
    uncapped = _cells(none_mode)[("none", "none", "annoyed:7")]
    assert uncapped["compromised"] == 3
    assert uncapped["prompts_before_compromise"]["max"] == 7


def test_a_report_blocks_push_recovery_but_not_sign_in() -> None:
    report = run_fatigue(
        FatigueSettings(
            attempts=2,
            hours=0.25,
            modes=("choose",),
            defences=("report-blocks",),
            user_models=_models("annoyed:2"),
            purpose="password_reset",
        )
    )
    cell = _cells(report)[("choose", "report-blocks", "annoyed:2")]
    assert cell["compromised"] == 0
    assert cell["blocked_attacks"] == 2
    assert cell["prompts_seen"] == 2  # one prompt per attack, reported, then blocked


def test_number_matching_against_a_distracted_victim() -> None:
    """choose: 1 chance in 3 per approval; typed: 1 in 90. Seeded, so the run is the same
    each time; the bounds are those of a binomial at the 99.9 % level."""
    report = run_fatigue(
        FatigueSettings(
            attempts=4,
            hours=1,
            modes=("typed", "choose"),
            defences=("none",),
            user_models=_models("distracted"),
            seed=7,
        )
    )
    choose = _cells(report)[("choose", "none", "distracted")]
    typed = _cells(report)[("typed", "none", "distracted")]
    assert choose["approvals"] >= 4
    assert 0.1 <= choose["approval_success_rate"] <= 0.75
    assert typed["approvals"] >= 150
    assert typed["wrong_numbers"] == typed["approvals"] - typed["compromised"]
    assert typed["approval_success_rate"] <= 0.04
    assert choose["approval_success_rate"] > 4 * typed["approval_success_rate"]


def test_jasmin_refuses_mode_none_and_says_so() -> None:
    report = run_fatigue(
        FatigueSettings(
            attempts=1,
            hours=0.1,
            modes=("none",),
            defences=("cap",),
            user_models=_models("attentive"),
        )
    )
    (cell,) = report["results"]
    assert cell["attacks"] == 0
    assert "none" in cell["refused"]


def test_settings_are_checked() -> None:
    for bad in (
        FatigueSettings(attempts=0),
        FatigueSettings(hours=0),
        FatigueSettings(reaction_seconds=60, interval_seconds=60),
        FatigueSettings(modes=("sms",)),
        FatigueSettings(realm="nowhere"),
    ):
        with pytest.raises(SimulationError):
            run_fatigue(bad) if bad.realm == "nowhere" else bad.check()


def test_cli_json_schema_seed_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "fatigue.png"
    args = [
        "simulate", "fatigue", "--realm", "metamots", "--attempts", "2", "--hours", "0.1",
        "--mode", "none", "--mode", "choose", "--defence", "cap",
        "--user-model", "random:0.5", "--user-model", "distracted",
        "--seed", "11", "--json", "--plot", str(plot),
    ]  # fmt: skip
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["v"] == 1
    assert set(report) == {"v", "settings", "results", "wall_seconds"}
    assert report["settings"]["user_models"] == ["random:0.5", "distracted"]
    assert len(report["results"]) == 2 * 1 * 2
    for row in report["results"]:
        assert set(row) >= {
            "mode", "defence", "user_model", "attacks", "compromised", "success_rate",
            "prompts_seen", "prompts_before_compromise", "time_to_compromise_seconds",
            "approval_success_rate", "refused",
        }  # fmt: skip
        assert 0 <= row["success_rate"] <= 1
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(plot) as image:
        assert image.format == "PNG"
        assert image.size[0] > 400
    again = CliRunner().invoke(cli, args[:-2])
    assert [r["compromised"] for r in json.loads(again.stdout)["results"]] == [
        r["compromised"] for r in report["results"]
    ]


def test_cli_bad_user_model_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["simulate", "fatigue", "--user-model", "bored"])
    assert result.exit_code == 2
    assert "unknown user model 'bored'" in result.output
