"""What every message shares: closed, immutable, versioned, bounded lifetimes, typed parsing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.errors import MessageMalformed, MessageTooLarge, UnsupportedVersion
from shared.messages import (
    MESSAGE_MODELS,
    SIGNED_MESSAGE_MODELS,
    ErrorBody,
    ProtocolMessage,
    PushChallenge,
    PushDecision,
    WireModel,
)
from shared.version import PROTOCOL_VERSION


@pytest.mark.parametrize("name", sorted(SIGNED_MESSAGE_MODELS))
def test_signed_models_declare_their_types_consistently(name: str) -> None:
    model = SIGNED_MESSAGE_MODELS[name]
    assert model.message_type == name
    assert model.model_fields["typ"].default == name
    assert model.media_type == name.replace("_", "-") + "+jwt"
    for claim in ("aud", "iat", "exp", "v"):
        assert claim in model.model_fields, claim
    assert model.max_lifetime.total_seconds() > 0


@pytest.mark.parametrize("name", sorted(MESSAGE_MODELS))
def test_every_model_is_closed_and_versioned(name: str) -> None:
    model = MESSAGE_MODELS[name]
    assert issubclass(model, WireModel)
    assert model.model_config.get("extra") == "forbid"
    assert model.model_fields["v"].default == PROTOCOL_VERSION


def _string_fields_are_bounded(model: type[BaseModel]) -> list[str]:
    unbounded = []
    schema = model.model_json_schema()
    definitions = [schema, *schema.get("$defs", {}).values()]

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"maxLength", "enum", "const"} & node.keys():
                unbounded.append(path)
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    for definition in definitions:
        walk(definition, definition.get("title", "?"))
    return unbounded


@pytest.mark.parametrize("name", sorted(MESSAGE_MODELS))
def test_every_string_has_a_maximum_length(name: str) -> None:
    assert _string_fields_are_bounded(MESSAGE_MODELS[name]) == []


def test_messages_are_immutable(make_challenge: Callable[..., PushChallenge]) -> None:
    challenge = make_challenge()
    with pytest.raises(ValidationError):
        challenge.user = "mallory"  # type: ignore[misc]


def test_unknown_members_are_refused(make_challenge: Callable[..., PushChallenge]) -> None:
    with pytest.raises(ValidationError, match="extra"):
        make_challenge(admin=True)


@pytest.mark.parametrize(
    ("iat", "exp"),
    [(100, 100), (100, 99), (0, 601)],
    ids=["exp equals iat", "exp before iat", "longer than the maximum"],
)
def test_lifetime_must_be_positive_and_bounded(
    make_challenge: Callable[..., PushChallenge], iat: int, exp: int
) -> None:
    with pytest.raises(ValidationError, match="exp"):
        make_challenge(iat=iat, exp=exp)


@pytest.mark.parametrize("value", ["1795512600", 1795512600.0, True, -1, 10**12])
def test_times_are_strict_integers_in_range(
    make_decision: Callable[..., PushDecision], value: Any
) -> None:
    with pytest.raises(ValidationError):
        make_decision(iat=value)


def test_issued_at_and_expires_at_are_aware_utc(
    make_decision: Callable[..., PushDecision], now: datetime
) -> None:
    decision = make_decision()
    assert decision.issued_at == now
    assert decision.issued_at.tzinfo is UTC
    assert (decision.expires_at - decision.issued_at).total_seconds() == 60


def test_to_json_is_compact_sorted_and_omits_absent_members(
    make_decision: Callable[..., PushDecision],
) -> None:
    text = make_decision(decision="deny", number=None).to_json()
    assert '"number"' not in text
    assert text.startswith('{"aud":')
    assert ", " not in text


def test_from_json_round_trip(make_decision: Callable[..., PushDecision]) -> None:
    decision = make_decision()
    assert PushDecision.from_json(decision.to_json()) == decision
    assert PushDecision.from_json(decision.to_json().encode()) == decision
    assert PushDecision.from_json(decision.to_json_dict()) == decision


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("[]", MessageMalformed),
        ("{", MessageMalformed),
        ('{"error":"x","error":"y"}', MessageMalformed),
        ('{"error":"x","message":"m","v":1,"more":1}', MessageMalformed),
        ('{"error":"x","v":9}', UnsupportedVersion),
        ('{"error":"x","v":0}', MessageMalformed),
        ("x" * (1024 * 1024 + 1), MessageTooLarge),
        (42, MessageMalformed),
    ],
    ids=[
        "array",
        "truncated",
        "duplicate",
        "extra",
        "newer version",
        "version 0",
        "too large",
        "not text",
    ],
)
def test_from_json_raises_typed_errors(data: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        ErrorBody.from_json(data)


def test_protocol_message_is_the_base_of_signed_models() -> None:
    assert all(issubclass(m, ProtocolMessage) for m in SIGNED_MESSAGE_MODELS.values())
    assert not issubclass(ErrorBody, ProtocolMessage)
