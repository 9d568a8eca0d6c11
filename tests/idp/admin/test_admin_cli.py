"""``idp admin grant|revoke`` and ``idp user disable|enable|revoke-sessions``."""

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
        "IDP_ARGON2_TIME_COST": "1",
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_PARALLELISM": "1",
    }
    assert run(env, "init-demo").exit_code == 0
    return env


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _audit(env: dict[str, str], event: str) -> list[dict[str, object]]:
    out = run(env, "audit", "--json", "--event", event)
    return [json.loads(line) for line in out.output.splitlines()]


def test_grant_then_revoke_admin_is_audited_and_idempotent(env: dict[str, str]) -> None:
    first = run(env, "admin", "grant", "jasmin", "camille.martin", "--reason", "help desk")
    assert first.exit_code == 0, first.output
    again = run(env, "admin", "grant", "jasmin", "camille.martin", "--json")
    assert again.exit_code == 1
    assert json.loads(again.output)["changed"] is False
    assert run(env, "admin", "revoke", "jasmin", "camille.martin").exit_code == 0
    granted = _audit(env, "admin_granted")
    assert len(granted) == 1
    assert granted[0]["actor"] == "cli"
    assert granted[0]["details"] == {"target": "camille.martin", "reason": "help desk"}
    assert len(_audit(env, "admin_revoked")) == 1


def test_disable_and_enable(env: dict[str, str]) -> None:
    out = run(env, "user", "disable", "metamots", "sophie.bernard", "--json", "--reason", "left")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {
        "changed": True,
        "realm": "metamots",
        "user": "sophie.bernard",
        "verb": "disable",
    }
    assert run(env, "user", "disable", "metamots", "sophie.bernard").exit_code == 1
    assert run(env, "user", "enable", "metamots", "sophie.bernard").exit_code == 0
    assert [e["event"] for e in _audit(env, "admin_user_disabled")] == ["admin_user_disabled"]


def test_revoke_sessions_counts(env: dict[str, str]) -> None:
    out = run(env, "user", "revoke-sessions", "metamots", "sophie.bernard", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["count"] == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("user", "disable", "nowhere", "x"), "unknown_realm"),
        (("user", "disable", "metamots", "nobody"), "unknown_user"),
        (("admin", "grant", "metamots", "nobody"), "unknown_user"),
    ],
)
def test_unknown_realm_or_user_is_a_clear_error(
    env: dict[str, str], args: tuple[str, ...], code: str
) -> None:
    out = CliRunner().invoke(cli, [*args, "--json"], env=env, catch_exceptions=False)
    assert out.exit_code == 2
    assert json.loads(out.stderr)["error"] == code


def test_show_lists_devices_and_status(env: dict[str, str]) -> None:
    out = run(env, "user", "show", "metamots", "sophie.bernard", "--json")
    assert out.exit_code == 0, out.output
    info = json.loads(out.output)
    assert info["username"] == "sophie.bernard"
    assert info["disabled"] is False
    assert info["devices"] == []
    assert info["locks"] == []


def test_unlock_with_nothing_locked_reports_zero(env: dict[str, str]) -> None:
    out = run(
        env, "user", "unlock", "metamots", "sophie.bernard", "--kind", "push_report", "--json"
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["count"] == 0
    [event] = _audit(env, "admin_unlocked")
    assert event["details"]["kind"] == "push_report"


def test_remove_unknown_device_is_a_clear_error(env: dict[str, str]) -> None:
    out = CliRunner().invoke(
        cli, ["user", "remove-device", "metamots", "sophie.bernard", "nope", "--json"], env=env
    )
    assert out.exit_code == 2
    assert json.loads(out.stderr)["error"] == "unknown_device"


def test_reset_with_a_temporary_password_then_sign_in_must_change(env: dict[str, str]) -> None:
    out = run(env, "user", "reset", "metamots", "sophie.bernard", "--temporary-password", "--json")
    assert out.exit_code == 0, out.output
    temporary = json.loads(out.output)["temporary_password"]
    assert len(temporary) >= 12
    show = json.loads(run(env, "user", "show", "metamots", "sophie.bernard", "--json").output)
    assert show["must_change_password"] is True
    # The password never reaches the audit trail.
    assert temporary not in run(env, "audit", "--json").output


def test_reset_needs_exactly_one_mode(env: dict[str, str]) -> None:
    out = CliRunner().invoke(cli, ["user", "reset", "metamots", "sophie.bernard"], env=env)
    assert out.exit_code == 2
    assert "exactly one" in out.stderr
    forced = run(env, "user", "reset", "metamots", "sophie.bernard", "--force-change")
    assert forced.exit_code == 0


def test_admin_tokens_create_list_revoke(env: dict[str, str]) -> None:
    out = run(env, "admin", "token", "create", "metamots", "helpdesk", "--json")
    assert out.exit_code == 0, out.output
    created = json.loads(out.output)
    assert created["token"].startswith("idpadm_")
    listed = run(env, "admin", "token", "list", "metamots", "--json").output
    assert created["token"] not in listed
    assert json.loads(listed.splitlines()[0])["name"] == "helpdesk"
    assert run(env, "admin", "token", "revoke", "metamots", str(created["id"])).exit_code == 0
    assert run(env, "admin", "token", "revoke", "metamots", str(created["id"])).exit_code == 1
    assert created["token"] not in run(env, "audit", "--json").output


def test_reset_send_link_mails_the_account(env: dict[str, str], tmp_path: Path) -> None:
    out = run(env, "user", "reset", "metamots", "julien.moreau", "--send-link", "--json")
    assert out.exit_code == 0, out.output
    outbox = json.loads((tmp_path / "dev-outbox.json").read_text())
    assert any("/realms/metamots/recovery/link/" in m["text"] for m in outbox)
    refused = CliRunner().invoke(
        cli, ["user", "reset", "uphf", "lea.dubois", "--send-link", "--json"], env=env
    )
    assert refused.exit_code == 2
    assert json.loads(refused.stderr)["error"] == "no_reset_link"
