"""PushChallenge, its context and its number-matching data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.jws import sign, verify
from shared.keys import Jwks
from shared.messages import ChallengeContext, Matching, PushChallenge

Wire = Any


@pytest.mark.parametrize("choices", [[12, 47, 83], [10, 99, 55]])
def test_choose_mode_takes_three_distinct_two_digit_numbers(choices: list[int]) -> None:
    assert Matching(mode="choose", choices=choices).choices == choices


@pytest.mark.parametrize(
    "choices",
    [
        None,
        [],
        [12, 47],
        [12, 47, 83, 21],
        [12, 12, 83],
        [9, 47, 83],
        [12, 47, 100],
        ["12", 47, 83],
    ],
)
def test_choose_mode_refuses_other_choices(choices: Any) -> None:
    with pytest.raises(ValidationError):
        Matching(mode="choose", choices=choices)


@pytest.mark.parametrize("mode", ["typed", "none"])
def test_typed_and_none_modes_carry_no_choices(mode: str) -> None:
    assert Matching(mode=mode).choices is None  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="no choices"):
        Matching(mode=mode, choices=[12, 47, 83])  # type: ignore[arg-type]


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValidationError):
        Matching(mode="emoji")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "time", [1795512600, "2026-11-24T09:30:00+00:00", "2026-11-24T10:30:00+01:00"]
)
def test_context_time_is_unix_seconds_or_iso_with_offset(time: int | str) -> None:
    assert ChallengeContext(service="Jasmin", time=time).time == time


@pytest.mark.parametrize("time", ["2026-11-24T09:30:00", "yesterday", 1.5, True])
def test_context_time_refuses_naive_or_odd_values(time: Any) -> None:
    with pytest.raises(ValidationError):
        ChallengeContext(service="Jasmin", time=time)


@pytest.mark.parametrize("ip", ["203.0.113.42", "2001:db8::1"])
def test_context_ip_addresses(ip: str) -> None:
    assert ChallengeContext(service="Jasmin", client_ip=ip, time=0).client_ip == ip


@pytest.mark.parametrize("ip", ["203.0.113.300", "localhost", ""])
def test_context_refuses_non_ip_addresses(ip: str) -> None:
    with pytest.raises(ValidationError):
        ChallengeContext(service="Jasmin", client_ip=ip, time=0)


@pytest.mark.parametrize(
    "service",
    ["", "x" * 129, "Jasmin\nApprove anything", "Jasmin \u202enigeb", "bad\x00byte", "\ud800"],
    ids=["empty", "too long", "newline", "bidi override", "nul", "lone surrogate"],
)
def test_context_text_refuses_what_could_disguise_the_prompt(service: str) -> None:
    with pytest.raises(ValidationError):
        ChallengeContext(service=service, time=0)


def test_context_text_keeps_french_labels() -> None:
    label = "Réinitialisation du mot de passe — « Jasmin »"
    assert ChallengeContext(service=label, time=0).service == label


def test_audience_must_be_the_device(make_challenge: Callable[..., PushChallenge]) -> None:
    with pytest.raises(ValidationError, match="aud must equal device_id"):
        make_challenge(aud="dev_another_one")


@pytest.mark.parametrize("nonce", ["short", "a" * 21, "A" * 65, "q2hQ0m5ZbJ8sV1r7Xy3kLx", "+" * 22])
def test_nonce_is_at_least_16_canonical_base64url_bytes(
    make_challenge: Callable[..., PushChallenge], nonce: str
) -> None:
    with pytest.raises(ValidationError):
        make_challenge(nonce=nonce)


@pytest.mark.parametrize("purpose", ["sign_in", "password_reset"])
def test_purposes(make_challenge: Callable[..., PushChallenge], purpose: str) -> None:
    assert make_challenge(purpose=purpose).purpose == purpose


def test_purpose_is_closed(make_challenge: Callable[..., PushChallenge]) -> None:
    with pytest.raises(ValidationError):
        make_challenge(purpose="delete_account")


def test_choose_mode_challenge_round_trip(
    make_challenge: Callable[..., PushChallenge],
    realm_key: Any,
    realm_jwks: Jwks,
    wire: Wire,
    now: datetime,
) -> None:
    challenge = make_challenge(matching=Matching(mode="choose", choices=[31, 74, 58]))
    token = sign(challenge, realm_key, wire.realm_kid)
    verified = verify(
        token,
        keys=realm_jwks,
        model=PushChallenge,
        audience=wire.device_id,
        issuer=wire.realm_url,
        now=now,
    )
    assert verified.matching.choices == [31, 74, 58]


@settings(max_examples=50, deadline=None)
@given(
    choices=st.lists(st.integers(10, 99), min_size=3, max_size=3, unique=True),
    user=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40
    ).filter(
        lambda text: not set(text) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    ),
)
def test_generated_challenges_survive_json(choices: list[int], user: str) -> None:
    challenge = PushChallenge(
        challenge_id="chl_12345678",
        device_id="dev_12345678",
        realm="jasmin",
        user=user,
        account="alice",
        purpose="sign_in",
        context=ChallengeContext(service="Jasmin", time=0),
        matching=Matching(mode="choose", choices=choices),
        nonce="q2hQ0m5ZbJ8sV1r7Xy3kLw",
        iss="https://idp.example.test/realms/jasmin",
        aud="dev_12345678",
        iat=1_000,
        exp=1_060,
    )
    assert PushChallenge.from_json(challenge.to_json()) == challenge
