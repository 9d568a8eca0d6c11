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


def _literals(node: ast.expr) -> list[str]:
    """The strings an argument can be: a literal, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _events_in(tree: ast.AST) -> list[str]:
    events: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):  # record("sign_in", ...), self._audit(message, "mail_sent")
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            if name in WRITERS:
                events += [s for arg in node.args[:2] for s in _literals(arg) if s not in OUTCOMES]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:  # ("push_denied", "failure")
            event, outcome = (_literals(e) for e in node.elts)
            if event and outcome and outcome[0] in OUTCOMES:
                events += event
        elif (  # recovery steps name their event once: audit_event = "totp_verify"
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["audit_event"]
        ):
            events += _literals(node.value)
    return events


def recorded_events() -> dict[str, str]:
    """Event codes of the audit writers' calls, outcome pairs and step attributes in ``idp/``."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        if "idp.audit" not in source and "audit_event" not in source:
            continue  # not an audit writer (the trace has a record() of its own)
        for event in _events_in(ast.parse(source)):
            found.setdefault(event, str(path.relative_to(PACKAGE)))
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
