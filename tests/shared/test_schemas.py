"""The committed JSON Schemas match the models, and the protocol doc's examples validate."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.jws import verify
from shared.messages import MESSAGE_MODELS, EnrollmentOffer, EnrollmentReceipt, PushChallenge
from shared.schemas import SCHEMA_DIALECT, generate_schemas, render_schema, write_schemas

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "docs" / "schemas"
PROTOCOL_DOC = ROOT / "docs" / "protocol.md"
REGENERATE = "run: .venv/bin/python scripts/gen_schemas.py"


def test_one_schema_per_model() -> None:
    assert set(generate_schemas()) == set(MESSAGE_MODELS)


@pytest.mark.parametrize("name", sorted(MESSAGE_MODELS))
def test_committed_schema_is_up_to_date(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.schema.json"
    assert path.exists(), f"{path.name} is missing; {REGENERATE}"
    expected = render_schema(generate_schemas()[name])
    assert path.read_text(encoding="utf-8") == expected, f"{path.name} is stale; {REGENERATE}"


def test_no_stale_schema_files() -> None:
    committed = {path.name for path in SCHEMA_DIR.glob("*.schema.json")}
    assert committed == {f"{name}.schema.json" for name in MESSAGE_MODELS}


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = [path.read_bytes() for path in write_schemas(tmp_path / "a")]
    second = [path.read_bytes() for path in write_schemas(tmp_path / "b")]
    assert first == second
    assert all(content.endswith(b"}\n") for content in first)


def test_schemas_are_2020_12_and_closed() -> None:
    for name, schema in generate_schemas().items():
        assert schema["$schema"] == SCHEMA_DIALECT
        assert schema["$id"] == f"{name}.schema.json"
        assert schema["additionalProperties"] is False


def test_signed_schemas_state_the_jose_header_and_require_typ_and_v() -> None:
    schema = generate_schemas()["push_challenge"]
    assert schema["x-jose-header"] == {"alg": "ES256", "typ": "push-challenge+jwt"}
    assert {"typ", "v", "iat", "exp", "aud"} <= set(schema["required"])


EXAMPLE = re.compile(r"<!-- example: (\w+) -->\s*```json\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    return EXAMPLE.findall(PROTOCOL_DOC.read_text(encoding="utf-8"))


def test_protocol_doc_has_an_example_of_every_message() -> None:
    assert {name for name, _ in _examples()} == set(MESSAGE_MODELS)


@pytest.mark.parametrize(
    ("name", "body"), _examples() if PROTOCOL_DOC.exists() else [], ids=lambda value: value[:20]
)
def test_protocol_doc_examples_validate(name: str, body: str) -> None:
    MESSAGE_MODELS[name].model_validate(json.loads(body))


@pytest.mark.parametrize("name", sorted(MESSAGE_MODELS))
def test_protocol_doc_links_every_schema(name: str) -> None:
    assert f"(schemas/{name}.schema.json)" in PROTOCOL_DOC.read_text(encoding="utf-8")


def test_protocol_doc_challenge_token_verifies_against_the_doc_receipt() -> None:
    """The documented token is real: signed by the key of the documented receipt's JWKS."""
    examples = dict(_examples())
    offer = EnrollmentOffer.model_validate(json.loads(examples["enrollment_offer"]))
    receipt = EnrollmentReceipt.model_validate(json.loads(examples["enrollment_receipt"]))
    token = json.loads(examples["pending_list"])["challenges"][0]
    assert token in PROTOCOL_DOC.read_text(encoding="utf-8").replace(examples["pending_list"], "")
    challenge = verify(
        token,
        keys=receipt.jwks,
        model=PushChallenge,
        audience=receipt.device_id,
        issuer=offer.realm_url,
        now=datetime(2026, 11, 24, 9, 30, 10, tzinfo=UTC),
    )
    assert challenge == PushChallenge.model_validate(json.loads(examples["push_challenge"]))
