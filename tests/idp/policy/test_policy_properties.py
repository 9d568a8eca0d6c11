"""Property tests: the policy never raises, whatever the input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idp.policy import PasswordPolicy, ViolationCode, evaluate, explain

STRICTEST = PasswordPolicy(
    min_length=12,
    max_length=30,
    require_lower=True,
    require_upper=True,
    require_digit=True,
    require_special=True,
    special_chars='!"#$%&()*+,/:;<=>?@[]^`{}~',
    allow_spaces=False,
    forbid_login=True,
    forbid_names=True,
    history=3,
    forbid_common=True,
    min_zxcvbn_score=3,
    max_age_days=90,
)
LENIENT = PasswordPolicy(min_length=1, forbid_common=True, min_zxcvbn_score=0)

text_with_anything = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=1000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    password=text_with_anything,
    login=st.one_of(st.none(), st.text(max_size=60)),
    names=st.lists(st.text(max_size=40), max_size=3),
)
def test_evaluate_never_raises(password: str, login: str | None, names: list[str]) -> None:
    for policy in (STRICTEST, LENIENT):
        found = evaluate(password, policy, login=login, names=names)
        assert all(isinstance(v.code, ViolationCode) for v in found)
        assert len({v.code for v in found}) == len(found)


@settings(max_examples=50, deadline=None)
@given(password=text_with_anything)
def test_explain_accounts_for_every_violation(password: str) -> None:
    found = evaluate(password, STRICTEST, login="lea.dubois")
    outcomes = explain(password, STRICTEST, login="lea.dubois")
    assert sorted(v.code for o in outcomes for v in o.violations) == sorted(v.code for v in found)


@settings(max_examples=50, deadline=None)
@given(password=st.text(alphabet="abcXYZ019!- ", min_size=0, max_size=40))
def test_violations_match_simple_expectations(password: str) -> None:
    policy = PasswordPolicy(min_length=10, require_upper=True, allow_spaces=False)
    found = {v.code for v in evaluate(password, policy)}
    assert (ViolationCode.TOO_SHORT in found) == (len(password) < 10)
    assert (ViolationCode.MISSING_UPPER in found) == (not any(c in "XYZ" for c in password))
    assert (ViolationCode.CONTAINS_SPACE in found) == (" " in password)
