"""Contradictions with NIST SP 800-63B and OWASP ASVS 4.0.3 found in the built-in realms."""

from __future__ import annotations

import pytest

from idp.analysis import analyze
from idp.realms import load_builtin_presets

PRESETS = {p.slug: p for p in load_builtin_presets()}

EXPECTED = {
    # Entra-like CFA: composition rules, 90-day expiry ("tous les 90 jours"), history 5.
    "jasmin": {
        "composition_rules",
        "periodic_expiry",
        "password_history",
        "single_capability_takeover",
    },
    "metamots": {
        "email_or_sms_sole_recovery_factor",
        "composition_rules",
        "no_blocklist",
        "min_length_below_12",
    },
    "nouvelle-aquitaine": {
        "email_or_sms_sole_recovery_factor",
        "composition_rules",
        "no_blocklist",
        "min_length_below_12",
        "single_capability_takeover",
    },
    # The joker question, the birth date, 12-30 characters, a fixed special set, no space.
    "uphf": {
        "kba_secret_question",
        "personal_data_as_authenticator",
        "recovery_by_knowledge_alone",
        "activation_by_personal_data",
        "composition_rules",
        "max_length_below_64",
        "characters_restricted",
        "no_blocklist",
        "password_history",
    },
}


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_findings_of_the_builtin_realms(slug: str) -> None:
    assert {f.code for f in analyze(PRESETS[slug]).findings} == EXPECTED[slug]


def test_each_finding_cites_its_sections() -> None:
    findings = {f.code: f for f in analyze(PRESETS["uphf"]).findings}
    sections = {code: [str(r) for r in f.references] for code, f in findings.items()}
    nist = "NIST SP 800-63B §5.1.1.2"
    assert sections["kba_secret_question"] == [nist, "OWASP ASVS 4.0.3 V2.5.2"]
    assert sections["max_length_below_64"] == [nist, "OWASP ASVS 4.0.3 V2.1.2"]
    assert "OWASP ASVS 4.0.3 V2.5.6" in sections["recovery_by_knowledge_alone"]
    assert "NIST SP 800-63B §6.1.2.3" in sections["personal_data_as_authenticator"]
    assert sections["activation_by_personal_data"] == [
        "NIST SP 800-63B §6.1.1",
        "OWASP ASVS 4.0.3 V2.3.1",
    ]
    assert findings["activation_by_personal_data"].detail == "attacker sets that activate: " + (
        "personal_data"
    )
    for finding in findings.values():
        assert finding.references
        assert all(r.url.startswith("https://") for r in finding.references)


def test_email_as_the_only_factor_cites_the_out_of_band_section() -> None:
    findings = {f.code: f for f in analyze(PRESETS["nouvelle-aquitaine"]).findings}
    refs = [str(r) for r in findings["email_or_sms_sole_recovery_factor"].references]
    assert refs == ["NIST SP 800-63B §5.1.3.1", "OWASP ASVS 4.0.3 V2.5.6"]
    detail = findings["email_or_sms_sole_recovery_factor"].detail
    assert detail == "recovery steps: verify_email_code"


def test_high_severity_comes_first() -> None:
    severities = [f.severity for f in analyze(PRESETS["uphf"]).findings]
    order = ["high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)
