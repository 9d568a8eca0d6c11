"""Recovery steps see the request only through ``StepContext`` (the view builds it)."""

from __future__ import annotations

import ast
from pathlib import Path

import idp.recovery.steps as steps_package

FORBIDDEN = {"request", "url_for", "current_app", "session", "g"}


def test_steps_do_not_reach_for_flask_globals() -> None:
    offenders = []
    for path in sorted(Path(steps_package.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                names = {alias.name for alias in node.names} & FORBIDDEN
                if names:
                    offenders.append(f"{path.name}: from flask import {', '.join(sorted(names))}")
    assert offenders == []
