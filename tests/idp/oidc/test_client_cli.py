"""``idp client add|list|remove``: secrets shown once, stored hashed, exact redirect URIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from idp.cli import cli


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        "IDP_INSTANCE_PATH": str(tmp_path),
        "IDP_DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        "IDP_TEST_MODE": "1",
        "IDP_BASE_URL": "https://idp.example",
        "IDP_ARGON2_TIME_COST": "1",
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_PARALLELISM": "1",
    }
    assert run(env, "init-demo").exit_code == 0
    return env


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def add(env: dict[str, str], *extra: str) -> Result:
    return run(
        env, "client", "add", "jasmin", "ENT", "--redirect-uri", "https://ent.example/cb", *extra
    )


def test_add_confidential_json_prints_id_and_secret_once(env: dict[str, str]) -> None:
    result = add(env, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"client_id", "client_secret", "issuer"}
    assert out["issuer"] == "https://idp.example/realms/jasmin"
    listed = run(env, "client", "list", "jasmin", "--json")
    row = json.loads(listed.output)
    assert row["client_id"] == out["client_id"]
    assert row["redirect_uris"] == ["https://ent.example/cb"]
    assert out["client_secret"] not in listed.output  # never shown again
    from sqlalchemy import create_engine, text

    engine = create_engine(env["IDP_DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(text("select secret_hash from oidc_client")).scalar_one()
    engine.dispose()
    assert stored != out["client_secret"]
    assert len(stored) == 64  # a SHA-256, not the secret


def test_add_public_has_no_secret(env: dict[str, str]) -> None:
    out = json.loads(add(env, "--public", "--json").output)
    assert "client_secret" not in out
    text_out = add(env, "--public").output
    assert "client_secret" not in text_out
    assert "client_id:" in text_out


@pytest.mark.parametrize(
    "uri",
    [
        "http://ent.example/cb",
        "https://ent.example/cb#frag",
        "https://user:pw@ent.example/cb",
        "ftp://ent.example/cb",
        "/relative",
        "https://ent.example;evil/cb",
    ],
)
def test_add_refuses_bad_redirect_uris(env: dict[str, str], uri: str) -> None:
    result = run(env, "client", "add", "jasmin", "ENT", "--redirect-uri", uri)
    assert result.exit_code == 2
    assert "--redirect-uri" in result.output


def test_add_needs_a_known_realm_and_a_redirect_uri(env: dict[str, str]) -> None:
    assert run(env, "client", "add", "nope", "ENT", "--redirect-uri", "https://a/cb").exit_code == 2
    assert run(env, "client", "add", "jasmin", "ENT").exit_code == 2


def test_remove(env: dict[str, str]) -> None:
    client_id = json.loads(add(env, "--json").output)["client_id"]
    assert run(env, "client", "remove", "jasmin", client_id).exit_code == 0
    assert run(env, "client", "list", "jasmin").output == ""
    again = run(env, "client", "remove", "jasmin", client_id)
    assert again.exit_code == 2
    assert "no client" in again.output


def test_remove_keeps_the_reason_in_the_audit(env: dict[str, str]) -> None:
    client_id = json.loads(add(env, "--json").output)["client_id"]
    too_long = run(env, "client", "remove", "jasmin", client_id, "--reason", "x" * 201)
    assert too_long.exit_code == 2
    done = run(env, "client", "remove", "jasmin", client_id, "--reason", "retired")
    assert done.exit_code == 0
    audit = run(env, "audit", "--realm", "jasmin", "--json").output
    rows = [json.loads(line) for line in audit.splitlines() if "oidc_client_removed" in line]
    assert len(rows) == 1
    assert rows[0]["actor"] == "cli"
    assert rows[0]["details"]["reason"] == "retired"
    assert rows[0]["details"]["target"] == client_id
