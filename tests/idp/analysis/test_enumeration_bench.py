"""scripts/bench_no_enumeration.py in a small configuration: every realm's entries answer the
same for an existing and an unknown account; and the checker can see a difference."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "bench_no_enumeration.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_no_enumeration", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_no_enumeration"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result(bench: ModuleType) -> dict[str, Any]:
    data: dict[str, Any] = bench.check(rounds=2, server="inprocess", fast_hash=True)
    return data


def test_every_realm_answers_the_same(result: dict[str, Any]) -> None:
    problems = [
        f"{e['realm']}: {e['entry']}: {c['variant']}: {c['first_difference']}"
        for e in result["entries"]
        for c in e["comparisons"]
        if not c["identical"]
    ]
    assert problems == []
    assert result["identical"] is True


def test_every_realm_has_its_sign_in_and_recovery_entries(result: dict[str, Any]) -> None:
    by_realm: dict[str, list[str]] = {}
    for entry in result["entries"]:
        by_realm.setdefault(entry["realm"], []).append(entry["entry"])
    assert sorted(by_realm) == ["jasmin", "metamots", "nouvelle-aquitaine", "uphf"]
    for realm, names in by_realm.items():
        assert any(n.startswith("sign-in form") for n in names), realm
        assert any(n.startswith("recovery:") for n in names), realm
    assert "CAS sign-in form (wrong password)" in by_realm["uphf"]
    assert "recovery: the 6th « Envoyer une notification » (push cap)" in by_realm["jasmin"]
    jasmin_push = next(e for e in result["entries"] if e["entry"].startswith("recovery: captcha"))
    assert [c["variant"] for c in jasmin_push["comparisons"]] == [
        "existing, with device",
        "existing, no device",
    ]


def test_timing_is_reported_with_an_interval(result: dict[str, Any]) -> None:
    for entry in result["entries"]:
        for c in entry["comparisons"]:
            assert c["rounds"] == 2
            low, high = c["ci95_ms"]
            assert low <= high
            assert c["against"] == "unknown account"
    assert "CSRF token" in result["normalised"]


def test_a_difference_is_reported(bench: ModuleType) -> None:
    same = bench.Observation("200 \nok", "200\npage", 1.0)
    other = bench.Observation("200 \nok", "200\nUnknown account", 1.2)
    entry = bench.Entry(
        "r", "e", "x", [bench.Variant("existing", None), bench.Variant("unknown account", None)]
    )
    entry.observations = {"existing": [same, same], "unknown account": [other, other]}
    comparison = bench.report(entry)["comparisons"][0]
    assert comparison["identical"] is False
    assert comparison["answer_identical"] is True
    assert comparison["first_difference"] == "-page"


def test_a_sequence_that_misses_its_page_is_an_error_not_a_pass(bench: ModuleType) -> None:
    entry = bench.entries({"metamots"})[0]
    entry.expect = "this text is on no page"
    with bench.in_process_idp(fast_hash=True) as make_browser, pytest.raises(bench.SetupError):
        bench.run([entry], make_browser, rounds=1, seed=1)


def test_normalisation_keeps_everything_but_tokens(bench: ModuleType) -> None:
    html = (
        '<input id="csrf_token" name="csrf_token" type="hidden" value="abc.def">'
        '<script nonce="n0nc3"></script><p data-testid="match-number">42</p>'
        '<input name="identifier" value="sophie.bernard">'
    )
    assert bench.normalise(html, ("sophie.bernard",)) == (
        '<input id="csrf_token" name="csrf_token" type="hidden" value="{CSRF}">'
        '<script nonce="{NONCE}"></script><p data-testid="match-number">{NUMBER}</p>'
        '<input name="identifier" value="{TYPED}">'
    )


def test_command_line_errors(bench: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bench.main(["--rounds", "0"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        bench.main(["--realm", "nowhere"])
    assert "unknown realm: nowhere" in capsys.readouterr().err
