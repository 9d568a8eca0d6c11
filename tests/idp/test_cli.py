"""The ``idp`` command: init-demo, realm import, user create, audit, serve checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from idp.cli import cli

BAD_PRESET = """\
slug = "Bad Slug"
display_name = "Broken"
organisation = "Org"

[branding]
primary_color = "purple"
secondary_color = "#ffffff"
logo_text = "B"

[password_policy]
min_length = "eight"
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "IDP_INSTANCE_PATH": str(tmp_path),
        "IDP_DATABASE_URL": f"sqlite:///{tmp_path / 'idp.sqlite3'}",
        "IDP_TEST_MODE": "1",
        "IDP_ARGON2_TIME_COST": "1",
        "IDP_ARGON2_MEMORY_COST": "1024",
        "IDP_ARGON2_PARALLELISM": "1",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_init_demo_is_idempotent(env: dict[str, str]) -> None:
    first = run(env, "init-demo")
    assert first.exit_code == 0, first.output
    assert "realm jasmin: created, 2 demo user(s) added" in first.output
    assert "manon.petit  password: none yet" in first.output
    second = run(env, "init-demo")
    assert second.exit_code == 0
    assert "realm jasmin: up to date, 0 demo user(s) added" in second.output
    assert "camille.martin" in second.output


def test_realm_import_reports_every_error_with_line_and_field(
    env: dict[str, str], tmp_path: Path
) -> None:
    preset = tmp_path / "bad.toml"
    preset.write_text(BAD_PRESET)
    result = CliRunner().invoke(cli, ["realm", "import", str(preset)], env=env)
    assert result.exit_code == 2
    out = result.output
    assert f"{preset}:1: slug" in out
    assert f"{preset}:6: branding.primary_color" in out
    assert f"{preset}:11: password_policy.min_length" in out
    listed = run(env, "realm", "list")
    assert "Broken" not in listed.output


def test_realm_import_syntax_error(env: dict[str, str], tmp_path: Path) -> None:
    preset = tmp_path / "syntax.toml"
    preset.write_text('slug = "x"\nthis is not toml\n')
    result = CliRunner().invoke(cli, ["realm", "import", str(preset)], env=env)
    assert result.exit_code == 2
    assert ":2:" in result.output


def test_realm_import_of_a_builtin_preset(env: dict[str, str]) -> None:
    from idp.realms.preset import builtin_preset_paths

    path = next(p for p in builtin_preset_paths() if p.stem == "uphf")
    result = run(env, "realm", "import", str(path), "--with-demo-users")
    assert result.exit_code == 0, result.output
    assert "realm uphf imported" in result.output
    assert "4 demo user(s) added" in result.output


def test_realm_import_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["realm", "import", str(tmp_path / "nope.toml")], env=env)
    assert result.exit_code != 0
    assert "nope.toml" in result.output


def test_user_create_and_sign_in_audit(env: dict[str, str]) -> None:
    run(env, "init-demo")
    result = run(
        env,
        "user",
        "create",
        "uphf",
        "marie.curie",
        "--password",
        "Radium#Polonium1898",
        "--email",
        "marie@example.org",
        "--attr",
        "first_name=Marie",
        "--attr",
        "birth_date=1967-11-07",
        "--attr",
        "secret_question=Ville ?",
        "--attr",
        "secret_answer=Varsovie",
    )
    assert result.exit_code == 0, result.output
    assert "user marie.curie created in realm uphf" in result.output
    again = CliRunner().invoke(
        cli, ["user", "create", "uphf", "marie.curie", "--password", "x"], env=env
    )
    assert again.exit_code == 2
    assert "already exists" in again.output


@pytest.mark.parametrize(
    ("attr", "field"),
    [
        ("favourite=blue", "--attr favourite"),
        ("birth_date=1999-02-31", "--attr birth_date"),
        ("birth_date=2999-01-01", "--attr birth_date"),
        ("noequals", "--attr noequals"),
        ("ine=123", "--attr ine"),
    ],
)
def test_user_create_bad_attr_names_the_field_and_writes_nothing(
    env: dict[str, str], attr: str, field: str
) -> None:
    run(env, "init-demo")
    result = CliRunner().invoke(
        cli,
        ["user", "create", "uphf", "someone", "--password", "P@ssw0rd-long-enough", "--attr", attr],
        env=env,
    )
    assert result.exit_code == 2
    assert field in result.output
    retry = run(env, "user", "create", "uphf", "someone", "--password", "P@ssw0rd-long-enough")
    assert retry.exit_code == 0, retry.output  # nothing half-written blocked the retry


def test_user_create_unknown_realm(env: dict[str, str]) -> None:
    run(env, "init-demo")
    result = CliRunner().invoke(cli, ["user", "create", "nope", "a", "--password", "b"], env=env)
    assert result.exit_code == 2
    assert "unknown realm 'nope'" in result.output


def test_audit_json(env: dict[str, str]) -> None:
    run(env, "init-demo")
    from idp import create_app
    from idp.audit.service import ClientInfo
    from idp.auth.service import sign_in
    from idp.clock import now
    from idp.extensions import db
    from idp.realms.store import get_realm
    from idp.security.passwords import current_hasher

    app = create_app(
        {
            "INSTANCE_PATH": env["IDP_INSTANCE_PATH"],
            "DATABASE_URL": env["IDP_DATABASE_URL"],
            "TEST_MODE": True,
        }
    )
    with app.app_context():
        sign_in(
            get_realm("jasmin"),
            "camille.martin",
            "wrong",
            hasher=current_hasher(),
            client=ClientInfo("127.0.0.9", "pytest"),
            now=now(),
        )
        db.session.commit()
    result = run(env, "audit", "--realm", "jasmin", "--json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[-1]["event"] == "sign_in"
    assert rows[-1]["outcome"] == "failure"
    assert rows[-1]["ip"] == "127.0.0.9"
    text = run(env, "audit")
    assert "sign_in" in text.output
    assert "camille.martin" in text.output


def test_serve_refuses_test_mode_off_loopback(env: dict[str, str]) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "idp"), "serve", "--host", "0.0.0.0", "--port", "5999"],  # noqa: S104
        env={**env, "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "only allowed on loopback" in proc.stderr


def test_serve_refuses_missing_secret(env: dict[str, str]) -> None:
    prod = {k: v for k, v in env.items() if k != "IDP_TEST_MODE"}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "idp"), "serve", "--port", "5999"],
        env={**prod, "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "IDP_SECRET_KEY" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_policy_explain(env: dict[str, str]) -> None:
    run(env, "init-demo")
    bad = CliRunner().invoke(
        cli, ["policy", "explain", "uphf", "lea.dubois x", "--user", "lea.dubois"], env=env
    )
    assert bad.exit_code == 1
    assert "FAIL  Ne doit pas contenir votre login" in bad.output
    assert "contains_space" in bad.output
    good = CliRunner().invoke(
        cli, ["policy", "explain", "uphf", "Lille#Roubaix59", "--json"], env=env
    )
    assert good.exit_code == 0
    rows = json.loads(good.output)
    assert all(r["passed"] for r in rows)
    reused = CliRunner().invoke(
        cli,
        ["policy", "explain", "uphf", "Valenciennes@2025", "--user", "lea.dubois", "--lang", "en"],
        env=env,
    )
    assert reused.exit_code == 1
    assert "FAIL  Must differ from the last 3 passwords you chose" in reused.output
    unknown = CliRunner().invoke(cli, ["policy", "explain", "nope", "x"], env=env)
    assert unknown.exit_code == 2


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "needs IDP_REDIS_URL"),
        (
            {"IDP_REDIS_URL": "redis://127.0.0.1:1/0", "IDP_DATABASE_URL": "sqlite://"},
            "an in-memory SQLite database exists once per process",
        ),
    ],
    ids=["no redis", "sqlite in memory"],
)
def test_serve_refuses_several_workers_without_redis_or_a_shared_database(
    env: dict[str, str], extra: dict[str, str], expected: str
) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "idp"), "serve", "--port", "5999", "--workers", "2"],
        env={**env, **extra, "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_demo_banner_gives_every_datum_the_recovery_forms_ask(env: dict[str, str]) -> None:
    """A newcomer completes every flow from the banner alone (no docs, no TOML reading)."""
    out = run(env, "init-demo").output
    for expected in (
        # Nouvelle-Aquitaine: the identifier looks like an email but is not the mailbox.
        "- claire.fontaine@demarches.example  password: Dune2Pilat",
        "recovery: mailbox: claire.fontaine@gmail.example",
        "category: « Je suis un usager des services de la Région »",
        "/_dev/mail/view",
        # metamots: the five identity fields.
        "recovery: email: sophie.bernard@entreprise.example; first name: Sophie; "
        "last name: Bernard; country: FR; organisation type: Entreprise",
        # uphf: numbers, the birth date as the form asks it, the joker answer.
        "recovery: student no.: 22104578; INE: 0912345671C; birth date: 17/04/2003; "
        "joker answer: Caramel",
        "recovery: staff no.: 071234; UID: nroux; birth date: 22/09/1978; joker answer: Germaine",
        # jasmin: identifier, captcha, push.
        "- camille.martin  password: Tournesol-Vert-42!",
        "push: approve in the authenticator app",
    ):
        assert expected in out, expected


def _prod(env: dict[str, str]) -> dict[str, str]:
    """No test mode and no IDP_SECRET_KEY: what a newcomer's second shell has."""
    return {
        **{k: v for k, v in env.items() if k != "IDP_TEST_MODE"},
        "PATH": str(Path(sys.executable).parent),
    }


def test_help_without_a_key_prints_no_traceback(env: dict[str, str]) -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "idp"), "--help"],
        env=_prod(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr
    assert "audit" in proc.stdout
    assert "init-demo" in proc.stdout


def test_commands_find_the_key_the_demo_left_in_the_instance(env: dict[str, str]) -> None:
    """./scripts/demo writes instance/secret_key; « idp audit », as its banner prints it, must
    work from another shell where IDP_SECRET_KEY is unset. ``idp serve`` still refuses."""
    run(env, "init-demo")
    idp = str(Path(sys.executable).parent / "idp")
    prod = _prod(env)
    failed = subprocess.run(
        [idp, "audit"], env=prod, capture_output=True, text=True, timeout=60, check=False
    )
    assert failed.returncode != 0
    assert "IDP_SECRET_KEY" in failed.stderr
    assert "Traceback" not in failed.stderr
    (Path(env["IDP_INSTANCE_PATH"]) / "secret_key").write_text("k" * 48 + "\n")
    audit = subprocess.run(
        [idp, "audit"], env=prod, capture_output=True, text=True, timeout=60, check=False
    )
    assert audit.returncode == 0, audit.stderr
    serve = subprocess.run(
        [idp, "serve", "--port", "5999"],
        env=prod,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert serve.returncode != 0
    assert "IDP_SECRET_KEY" in serve.stderr


def test_a_second_server_on_the_same_sqlite_database_is_refused(env: dict[str, str]) -> None:
    """SQLite serves one process: two servers would each keep their own replay guard and
    events. The first holds a lock beside the database; the second says who holds it."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    idp = str(Path(sys.executable).parent / "idp")
    full_env = {**env, "IDP_SECRET_KEY": "k" * 40, "PATH": str(Path(sys.executable).parent)}
    first = subprocess.Popen(
        [idp, "serve", "--port", str(port)],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert first.stdout is not None
        assert "IdP listening" in first.stdout.readline()
        second = subprocess.run(
            [idp, "serve", "--port", str(port + 1 if port < 65535 else port - 1)],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode != 0
        assert f"another idp serve (pid {first.pid}) already serves" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    # Gone with the server, however it ended: the next start claims it again.
    from idp.serve import claim_sqlite_database

    fd = claim_sqlite_database(env["IDP_DATABASE_URL"])
    assert fd is not None
    os.close(fd)


def test_the_claim_is_only_for_sqlite_files(tmp_path: Path) -> None:
    from idp.serve import InstanceBusy, claim_sqlite_database

    assert claim_sqlite_database("postgresql://u@127.0.0.1/idp") is None
    assert claim_sqlite_database("sqlite://") is None
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    fd = claim_sqlite_database(url)
    assert fd is not None
    try:
        with pytest.raises(InstanceBusy, match=f"pid {os.getpid()}"):
            claim_sqlite_database(url)
    finally:
        os.close(fd)


def test_servers_with_redis_share_a_sqlite_file_never_beside_one_without(tmp_path: Path) -> None:
    from idp.serve import InstanceBusy, claim_sqlite_database

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    with_redis = [claim_sqlite_database(url, shared=True) for _ in range(2)]
    try:
        with pytest.raises(InstanceBusy, match=r"instances with Redis .* already serve"):
            claim_sqlite_database(url)
    finally:
        for fd in with_redis:
            assert fd is not None
            os.close(fd)
    alone = claim_sqlite_database(url)
    assert alone is not None
    try:
        with pytest.raises(InstanceBusy, match=f"without Redis \\(pid {os.getpid()}\\)"):
            claim_sqlite_database(url, shared=True)
    finally:
        os.close(alone)
