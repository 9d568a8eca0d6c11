"""``idp realm analyze``: text, JSON, a preset file, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from idp.cli import cli
from idp.realms.preset import PRESET_DIR


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # A database that was never migrated: the analyzer falls back to the built-in presets.
    return {
        "IDP_INSTANCE_PATH": str(tmp_path),
        "IDP_DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        "IDP_TEST_MODE": "1",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_text_table_and_paths(env: dict[str, str]) -> None:
    result = run(env, "realm", "analyze", "jasmin", "--lang", "en")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "captcha -> verify_push | verify_totp | verify_recovery_code -> set_password" in out
    phone = next(line for line in out.splitlines() if line.startswith("Phone only"))
    assert phone.split()[2:] == ["YES", "YES", "YES", "YES"]
    assert "[high]" not in out
    assert "[medium] composition_rules" in out
    assert "see NIST SP 800-63B §5.1.1.2; OWASP ASVS 4.0.3 V2.1.10" in out


def test_json(env: dict[str, str]) -> None:
    result = run(env, "realm", "analyze", "uphf", "--json", "--lang", "en")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["realm"] == "uphf"
    assert [g["code"] for g in data["goals"]] == [
        "reset_password",
        "sign_in",
        "change_recovery",
        "activate_account",
    ]
    joker = next(a for a in data["attackers"] if a["code"] == "personal_data_secret_answer")
    reset = joker["goals"]["reset_password"]
    assert reset["possible"] is True
    assert reset["blocked"] is None
    assert [s["move"] for s in reset["path"][0]["steps"]][:2] == [
        "identify_by_number_and_birth_date",
        "verify_secret_question",
    ]
    personal = next(a for a in data["attackers"] if a["code"] == "personal_data")
    assert personal["goals"]["reset_password"]["blocked"]["at"] == "verify_secret_question"
    kba = next(f for f in data["findings"] if f["code"] == "kba_secret_question")
    assert kba["references"][1] == {
        "standard": "OWASP ASVS 4.0.3",
        "section": "V2.5.2",
        "url": "https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x11-V2-Authentication.md",
    }


def test_french_labels_by_default(env: dict[str, str]) -> None:
    result = run(env, "realm", "analyze", "nouvelle-aquitaine")
    assert result.exit_code == 0
    assert "Boîte mail seule" in result.output
    assert "Code de sécurité reçu par mail [boîte mail]" in result.output


def test_a_preset_file(env: dict[str, str], tmp_path: Path) -> None:
    text = (PRESET_DIR / "metamots.toml").read_text(encoding="utf-8")
    preset = tmp_path / "mine.toml"
    preset.write_text(text.replace('slug = "metamots"', 'slug = "mine"'), encoding="utf-8")
    result = run(env, "realm", "analyze", "--file", str(preset), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["realm"] == "mine"


def test_an_invalid_preset_file_says_where(env: dict[str, str], tmp_path: Path) -> None:
    preset = tmp_path / "bad.toml"
    preset.write_text('slug = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["realm", "analyze", "--file", str(preset)], env=env)
    assert result.exit_code == 2
    assert "bad.toml" in result.output
    assert "is required" in result.output


def test_unknown_realm(env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["realm", "analyze", "nope"], env=env)
    assert result.exit_code == 2
    assert "error: realm: unknown realm 'nope'" in result.output


def test_slug_or_file_not_both(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["realm", "analyze", "jasmin", "--file", str(tmp_path / "x.toml")], env=env
    )
    assert result.exit_code == 2
    neither = CliRunner().invoke(cli, ["realm", "analyze"], env=env)
    assert neither.exit_code == 2
    assert "give a realm SLUG or --file" in neither.output


def test_the_database_preset_wins(env: dict[str, str], tmp_path: Path) -> None:
    # An imported realm is analysed as stored, not as the file of the same name says.
    text = (PRESET_DIR / "uphf.toml").read_text(encoding="utf-8")
    changed = tmp_path / "uphf.toml"
    changed.write_text(text.replace("max_length = 30", "max_length = 64"), encoding="utf-8")
    assert run(env, "realm", "import", str(changed)).exit_code == 0
    data = json.loads(run(env, "realm", "analyze", "uphf", "--json").output)
    assert "max_length_below_64" not in {f["code"] for f in data["findings"]}


def test_the_documented_example(env: dict[str, str]) -> None:
    # docs/research/analyzer.md: the emailed code resets, the phone still guards sign-in.
    example = Path(__file__).resolve().parents[3] / "docs/research/examples/jasmin-email.toml"
    data = json.loads(run(env, "realm", "analyze", "--file", str(example), "--json").output)
    mailbox = next(a for a in data["attackers"] if a["code"] == "mailbox")
    assert mailbox["goals"]["reset_password"]["possible"] is True
    assert mailbox["goals"]["sign_in"]["possible"] is False
    assert mailbox["goals"]["sign_in"]["blocked"]["at"] == "sign_in_push"
    assert "email_or_sms_sole_recovery_factor" in {f["code"] for f in data["findings"]}
