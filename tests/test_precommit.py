"""The pre-commit hooks are the quality gates of ./scripts/test, run from the venv."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def hooks() -> dict[str, dict[str, object]]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert repo["repo"] == "local", "local hooks: nothing to download"
    return {hook["id"]: hook for hook in repo["hooks"]}


def test_every_quality_gate_of_scripts_test_is_a_hook() -> None:
    script = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    gates = re.findall(r"^run_gate (.+)$", script, re.M)
    assert gates == ["ruff check .", "ruff format --check .", "mypy"]
    entries = [str(hook["entry"]) for hook in hooks().values()]
    for gate in gates:
        command = gate.removesuffix(" .")
        assert any(entry.startswith(f".venv/bin/{command}") for entry in entries), gate


def test_hooks_run_the_venv_tools_without_a_download() -> None:
    for name, hook in hooks().items():
        assert hook["language"] == "system", name
        assert str(hook["entry"]).startswith(".venv/bin/"), name
    # mypy checks its configured tree, strict packages included, like ./scripts/test.
    assert hooks()["mypy"]["pass_filenames"] is False
