"""Every audit event a service records has words for the admin console."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from idp.audit.labels import EVENT_LABELS, OUTCOME_LABELS, event_label, outcome_label

PACKAGE = Path(__file__).resolve().parents[3] / "idp"
# The audit service's writers, and the helpers that hand them an event name first.
WRITERS = {"record", "record_now", "_audit"}
OUTCOMES = set(OUTCOME_LABELS)


def recorded_events() -> dict[str, str]:
    """Event codes passed as literals to the audit writers, or paired with an outcome."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for (
            line
        ) in source.splitlines():  # recovery steps name their event once, as a class attribute
            if line.strip().startswith('audit_event = "'):
                found.setdefault(line.split('"')[1], str(path.relative_to(PACKAGE)))
        if "idp.audit" not in source and "idp.admin.service" not in str(path):
            continue  # not an audit writer (the trace has a record() of its own)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
                for arg in node.args[:2]:
                    if (
                        name in WRITERS
                        and isinstance(arg, ast.Constant)
                        and isinstance(arg.value, str)
                        and arg.value not in OUTCOMES
                    ):
                        found.setdefault(arg.value, str(path.relative_to(PACKAGE)))
            if isinstance(node, ast.IfExp) and isinstance(node.body, ast.Constant):
                for branch in (node.body, node.orelse):
                    if isinstance(branch, ast.Constant) and str(branch.value).startswith(
                        "password_"
                    ):
                        found.setdefault(str(branch.value), str(path.relative_to(PACKAGE)))
            if (
                isinstance(node, ast.Tuple)
                and len(node.elts) == 2
                and all(isinstance(e, ast.Constant) for e in node.elts)
                and node.elts[1].value in OUTCOMES  # type: ignore[attr-defined]
            ):
                found.setdefault(str(node.elts[0].value), str(path.relative_to(PACKAGE)))  # type: ignore[attr-defined]
    return found


def test_the_scan_finds_the_events_of_every_kind() -> None:
    found = recorded_events()
    # One of each way of naming an event: a literal, a conditional, a table, a step attribute.
    assert {"sign_in", "password_change_required", "push_denied", "totp_verify"} <= set(found)
    assert {"mail_sent", "mail_failed", "admin_granted", "oidc_token_issued"} <= set(found)


def test_every_recorded_event_has_a_label() -> None:
    missing = {
        event: where for event, where in recorded_events().items() if event not in EVENT_LABELS
    }
    assert missing == {}


@pytest.mark.parametrize(
    ("lang", "label", "outcome"), [("fr", "Connexion", "Échec"), ("en", "Sign in", "Failure")]
)
def test_labels_follow_the_language(app: Flask, lang: str, label: str, outcome: str) -> None:
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        assert event_label("sign_in") == label
        assert outcome_label("failure") == outcome


def test_an_unknown_code_shows_as_it_is(app: Flask) -> None:
    with app.test_request_context("/"):
        assert event_label("event_from_a_newer_version") == "event_from_a_newer_version"
        assert outcome_label("odd") == "odd"
