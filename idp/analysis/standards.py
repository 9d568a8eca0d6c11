"""Where a realm's preset contradicts NIST SP 800-63B and OWASP ASVS, each with its section.

Editions referenced: NIST SP 800-63B (June 2017, with the 2020-03-02 errata; the "rev. 3" the
field still audits against) and OWASP ASVS 4.0.3 (October 2021), chapter V2 (V2.1 password
security, V2.5 credential recovery). Section numbers are those editions'; SP 800-63B-4 (2024)
moved the password rules to its section 3.1.1.2 and made composition rules and periodic
expiry a SHALL NOT: see docs/research/analyzer.md.

Every check reads the preset and the step declarations only (``Step.requirement``); the
verdict-based ones take the planner's verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from idp.analysis.journeys import Gate, Goal, recovery_gates, second_factor_at_sign_in
from idp.analysis.planner import Verdict
from idp.realms.schema import RealmPreset
from idp.recovery.capabilities import Capability, Evidence

__all__ = ["Finding", "Reference", "findings"]

NIST_URL = "https://pages.nist.gov/800-63-3/sp800-63b.html"
ASVS_URL = "https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x11-V2-Authentication.md"
CISA_URL = "https://www.cisa.gov/sites/default/files/publications/fact-sheet-implement-number-matching-in-mfa-applications-508c.pdf"


@dataclass(frozen=True)
class Reference:
    standard: str
    section: str
    url: str

    def __str__(self) -> str:
        return f"{self.standard} {self.section}"


def _nist(section: str) -> Reference:
    return Reference("NIST SP 800-63B", section, NIST_URL)


def _asvs(section: str) -> Reference:
    return Reference("OWASP ASVS 4.0.3", section, ASVS_URL)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "high" | "medium" | "low" | "info"
    title: LazyString
    detail: str  # the preset's own values that trigger it (not translated: field names)
    references: tuple[Reference, ...]


KNOWLEDGE = frozenset(
    {
        Evidence.NONE,
        Evidence.ANTI_AUTOMATION,
        Evidence.IDENTIFICATION,
        Evidence.PERSONAL_DATA,
        Evidence.KBA,
    }
)
WEAK_CHANNELS = frozenset({Evidence.EMAIL, Evidence.SMS})


def _weakest_route(gates: tuple[Gate, ...], allowed: frozenset[Evidence]) -> bool:
    """Whether the flow can be completed using only options whose evidence is in ``allowed``."""
    return all(any(o.evidence in allowed for o in gate.options) for gate in gates)


def _evidence_steps(gates: tuple[Gate, ...], evidence: Evidence) -> list[str]:
    return sorted({o.move for g in gates for o in g.options if o.evidence is evidence})


def findings(preset: RealmPreset, verdicts: Mapping[str, Mapping[Goal, Verdict]]) -> list[Finding]:
    """Every contradiction found, most severe first; ``verdicts`` maps attacker codes to the
    planner's verdicts."""
    gates = recovery_gates(preset)
    found = _recovery_findings(preset, gates)
    found += _policy_findings(preset)
    found += _verdict_findings(preset, verdicts)
    order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    return sorted(found, key=lambda f: order[f.severity])


def _recovery_findings(preset: RealmPreset, gates: tuple[Gate, ...]) -> list[Finding]:
    out: list[Finding] = []
    kba = _evidence_steps(gates, Evidence.KBA)
    if kba:
        out.append(
            Finding(
                "kba_secret_question",
                "high",
                _l("Question secrète (« question joker ») utilisée pour la récupération"),
                f"recovery steps: {', '.join(kba)}",
                (_nist("§5.1.1.2"), _asvs("V2.5.2")),
            )
        )
    personal = _evidence_steps(gates, Evidence.PERSONAL_DATA)
    if personal:
        out.append(
            Finding(
                "personal_data_as_authenticator",
                "high",
                _l("Date de naissance et numéro d'usager vérifiés comme preuve d'identité"),
                f"recovery steps: {', '.join(personal)}",
                (_nist("§5.1"), _nist("§6.1.2.3"), _asvs("V2.5.6")),
            )
        )
    if _weakest_route(gates, KNOWLEDGE):
        out.append(
            Finding(
                "recovery_by_knowledge_alone",
                "high",
                _l("Le mot de passe se réinitialise sans aucun authentificateur"),
                "every gate of the flow can be passed with what a person knows or can find out",
                (_nist("§6.1.2.3"), _asvs("V2.5.6")),
            )
        )
    elif _weakest_route(gates, KNOWLEDGE | WEAK_CHANNELS):
        channels = _evidence_steps(gates, Evidence.EMAIL) + _evidence_steps(gates, Evidence.SMS)
        refs = [_nist("§5.1.3.1"), _asvs("V2.5.6")]
        if _evidence_steps(gates, Evidence.SMS):
            refs.insert(1, _nist("§5.1.3.3"))
        out.append(
            Finding(
                "email_or_sms_sole_recovery_factor",
                "medium",
                _l("Un mail (ou un SMS) suffit comme seul facteur de récupération"),
                f"recovery steps: {', '.join(channels)}",
                tuple(refs),
            )
        )
    return out


def _policy_findings(preset: RealmPreset) -> list[Finding]:
    policy = preset.password_policy
    out: list[Finding] = []
    classes = [
        name
        for name, on in (
            ("require_lower", policy.require_lower),
            ("require_upper", policy.require_upper),
            ("require_digit", policy.require_digit),
            ("require_special", policy.require_special),
        )
        if on
    ]
    if classes:
        out.append(
            Finding(
                "composition_rules",
                "medium",
                _l("Règles de composition imposées (minuscule, majuscule, chiffre, spécial)"),
                f"password_policy: {', '.join(f'{c} = true' for c in classes)}",
                (_nist("§5.1.1.2"), _asvs("V2.1.9")),
            )
        )
    if policy.max_age_days is not None:
        out.append(
            Finding(
                "periodic_expiry",
                "medium",
                _l("Changement périodique du mot de passe imposé"),
                f"password_policy: max_age_days = {policy.max_age_days}",
                (_nist("§5.1.1.2"), _asvs("V2.1.10")),
            )
        )
    if policy.history:
        out.append(
            Finding(
                "password_history",
                "low",
                _l("Historique des mots de passe imposé"),
                f"password_policy: history = {policy.history}",
                (_asvs("V2.1.10"),),
            )
        )
    if policy.min_length < 8:
        out.append(
            Finding(
                "min_length_below_8",
                "high",
                _l("Longueur minimale inférieure à 8 caractères"),
                f"password_policy: min_length = {policy.min_length}",
                (_nist("§5.1.1.2"), _asvs("V2.1.1")),
            )
        )
    elif policy.min_length < 12:
        out.append(
            Finding(
                "min_length_below_12",
                "low",
                _l("Longueur minimale inférieure à 12 caractères"),
                f"password_policy: min_length = {policy.min_length}",
                (_asvs("V2.1.1"),),
            )
        )
    if policy.effective_max_length < 64:
        out.append(
            Finding(
                "max_length_below_64",
                "medium",
                _l("Longueur maximale inférieure à 64 caractères"),
                f"password_policy: max_length = {policy.effective_max_length}",
                (_nist("§5.1.1.2"), _asvs("V2.1.2")),
            )
        )
    restricted = []
    if not policy.allow_spaces:
        restricted.append("allow_spaces = false")
    if policy.special_chars is not None:
        restricted.append(f"special_chars = {policy.special_chars!r}")
    if restricted:
        out.append(
            Finding(
                "characters_restricted",
                "medium",
                _l("Caractères refusés (espace, caractères spéciaux hors liste)"),
                f"password_policy: {', '.join(restricted)}",
                (_nist("§5.1.1.2"), _asvs("V2.1.4")),
            )
        )
    if not policy.forbid_common:
        out.append(
            Finding(
                "no_blocklist",
                "medium",
                _l("Mots de passe courants ou compromis non refusés"),
                "password_policy: forbid_common = false",
                (_nist("§5.1.1.2"), _asvs("V2.1.7")),
            )
        )
    if preset.push.enabled and preset.push.matching_mode == "none":
        out.append(
            Finding(
                "push_without_number_matching",
                "medium",
                _l("Notifications sans correspondance de nombre (fatigue MFA)"),
                'push: matching_mode = "none"',
                (Reference("CISA", "Number Matching fact sheet (2022)", CISA_URL),),
            )
        )
    return out


_SECOND_FACTOR = frozenset({Capability.PHONE, Capability.RECOVERY_CODE})


def _verdict_findings(
    preset: RealmPreset, verdicts: Mapping[str, Mapping[Goal, Verdict]]
) -> list[Finding]:
    from idp.analysis.attackers import attacker

    out: list[Finding] = []
    if second_factor_at_sign_in(preset):
        bypass = [
            code
            for code, goals in verdicts.items()
            if goals[Goal.SIGN_IN].possible and not attacker(code).capabilities & _SECOND_FACTOR
        ]
        if bypass:
            out.append(
                Finding(
                    "recovery_bypasses_second_factor",
                    "high",
                    _l("La récupération contourne le second facteur"),
                    f"attackers without the second factor who sign in: {', '.join(bypass)}",
                    (_nist("§6.1.2.3"), _asvs("V2.5.7")),
                )
            )
    activation = [
        code
        for code, goals in verdicts.items()
        if Goal.ACTIVATE_ACCOUNT in goals
        and goals[Goal.ACTIVATE_ACCOUNT].possible
        and not attacker(code).capabilities & _SECRETS
    ]
    if activation:
        out.append(
            Finding(
                "activation_by_personal_data",
                "high",
                _l("Un compte pré-provisionné s'active avec des données personnelles"),
                f"attacker sets that activate: {', '.join(activation)}",
                (_nist("§6.1.1"), _asvs("V2.3.1")),
            )
        )
    single = [
        code
        for code, goals in verdicts.items()
        if goals[Goal.SIGN_IN].possible and len(attacker(code).capabilities - _PUBLIC) == 1
    ]
    single = [c for c in single if c != "password"]  # a password signing in is no news
    if single:
        out.append(
            Finding(
                "single_capability_takeover",
                "info",
                _l("Une seule capacité suffit pour prendre le compte"),
                f"attacker sets: {', '.join(single)}",
                (_nist("§6.1.2.3"), _asvs("V2.5.6")),
            )
        )
    return out


# Capabilities every attacker set holds: they do not count as "something the attacker has".
_PUBLIC = frozenset({Capability.IDENTIFIER, Capability.EMAIL_ADDRESS})
# What a secret-holding attacker has; activation by anything else is by knowledge alone.
_SECRETS = frozenset(
    {
        Capability.PASSWORD,
        Capability.PHONE,
        Capability.MAILBOX,
        Capability.RECOVERY_CODE,
        Capability.SECRET_ANSWER,
    }
)
