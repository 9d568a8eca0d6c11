"""The ``authenticator`` command, in process (and ``watch`` as a real subprocess), against the
fake IdP. Exit status: 0 done, 1 not done, 2 usage/input, 3 vault, 4 network."""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from authenticator_app.cli import exit_status_help, main
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.fake_idp import FakeIdp

ROOT = Path(__file__).resolve().parents[2]
TOTP_URI = f"otpauth://totp/Example:bob?secret={RFC_SECRET}&issuer=Example"
HOTP_URI = f"otpauth://hotp/Counter:carol?secret={RFC_SECRET}&counter=0"


@dataclass
class Result:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run(vault_path: Path) -> Any:
    def invoke(*argv: str, env: dict[str, str] | None = None, **overrides: Any) -> Result:
        out, err = io.StringIO(), io.StringIO()
        status = main(
            ["--vault", str(vault_path), *argv],
            env={"AUTHENTICATOR_PIN": PIN} if env is None else env,
            stdout=out,
            stderr=err,
            **{"kdf": FAST_KDF, "interactive": False, **overrides},
        )
        return Result(status, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture
def enrolled_cli(run: Any, idp: FakeIdp) -> dict[str, Any]:
    result = run("add", idp.offer_uri(), "--name", "CLI test", "--json")
    assert result.status == 0, result.err
    account: dict[str, Any] = result.json()["account"]
    return account


def test_no_verb_without_a_display_explains_the_headless_verbs(run: Any) -> None:
    result = run()  # the test environment has no DISPLAY
    assert result.status == 2
    assert result.err.startswith("error [gui_unavailable]: the app window needs a display")


def test_usage_error(run: Any) -> None:
    result = run("approve", "--number", "forty-two")
    assert result.status == 2
    assert result.err.startswith("error [usage]:")


def test_vault_option_after_the_verb(vault_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = main(
        ["add", TOTP_URI, "--vault", str(vault_path)],
        env={"AUTHENTICATOR_PIN": PIN},
        stdout=out,
        stderr=err,
        kdf=FAST_KDF,
    )
    assert status == 0, err.getvalue()
    assert vault_path.exists()


def test_add_totp_then_list_and_code(run: Any) -> None:
    added = run("add", TOTP_URI)
    assert (added.status, added.out) == (0, "added Example:bob (totp)\n")
    listed = run("list")
    assert "Example:bob  [totp]" in listed.out
    code = run("code", "example")
    assert code.status == 0
    assert code.out.strip().isdigit()
    assert len(code.out.strip()) == 6
    payload = run("code", "--json").json()
    assert payload["v"] == 1
    assert payload["codes"][0]["label"] == "Example:bob"
    assert payload["codes"][0]["remaining"] >= 1


def test_hotp_code_moves_the_counter(run: Any) -> None:
    run("add", HOTP_URI)
    assert run("code", "carol").out == "755224\n"
    assert run("code", "carol").out == "287082\n"


def test_code_errors(run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp) -> None:
    missing = run("code", "nobody")
    assert (missing.status, missing.err.split(":")[0]) == (2, "error [account_not_found]")


def test_list_json_is_stable_and_secret_free(run: Any, enrolled_cli: dict[str, Any]) -> None:
    run("add", TOTP_URI)
    result = run("list", "--json")
    payload = result.json()
    assert payload["v"] == 1
    assert [a["kinds"] for a in payload["accounts"]] == [["push", "totp"], ["totp"]]
    assert payload["accounts"][0]["push"]["device_name"] == "CLI test"
    assert RFC_SECRET not in result.out
    assert "PRIVATE" not in result.out


def test_add_enrollment_text(run: Any, idp: FakeIdp) -> None:
    result = run("add", idp.offer_uri())
    assert result.status == 0
    assert result.out.startswith("enrolled Jasmin:alice.martin as device dev_")
    assert "matching typed" in result.out


def test_add_errors(run: Any, idp: FakeIdp, vault_path: Path) -> None:
    uri = idp.offer_uri()
    assert run("add", uri).status == 0
    used = run("add", uri)
    assert used.status == 1
    assert used.err == "error [activation_code_used]: the activation code was already used\n"
    bad = run("add", "otpauth://idp-push/x?v=1")
    assert bad.status == 2
    assert bad.err.startswith("error [uri_invalid]:")
    insecure = run("add", uri.replace("127.0.0.1", "idp.example.org"))
    assert insecure.status == 2
    assert insecure.err.startswith("error [uri_insecure]:")
    assert "--allow-insecure-http" in insecure.err


def test_add_refuses_contradicting_issuers_and_unsupported_uris(run: Any) -> None:
    mismatch = run("add", "otpauth://totp/Old:erin?secret=JBSWY3DPEHPK3PXP&issuer=New")
    assert mismatch.status == 2
    assert mismatch.err == (
        "error [uri_issuer_mismatch]: the issuer in the label and the issuer parameter differ "
        "(the label's issuer 'Old' differs from the issuer parameter 'New')\n"
    )
    unsupported = run("add", "https://example.org/")
    assert unsupported.status == 2
    assert unsupported.err.startswith("error [uri_unsupported]:")


def test_help_lists_the_exit_statuses(run: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("--help")
    text = capsys.readouterr().out
    assert "exit status:" in text
    assert "uri_unsupported" in text
    assert "uri_issuer_mismatch" in text


def test_the_documented_exit_table_names_every_input_and_vault_code() -> None:
    from authenticator_app.cli import _codes_of
    from authenticator_app.core.errors import InputError, VaultError

    doc = (Path(__file__).resolve().parents[2] / "docs/authenticator-headless.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in doc.splitlines() if line.startswith("| ")}
    for status, base in (("2", InputError), ("3", VaultError)):
        missing = [code for code in _codes_of(base) if f"`{code}`" not in rows[status]]
        assert missing == [], f"exit {status} row lacks {missing}"


def test_pending_json(run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp) -> None:
    assert run("pending", "--json").json() == {
        "v": 1,
        "challenges": [],
        "refused": [],
        "privacyidea": [],
    }
    created = idp.create_challenge()
    payload = run("pending", "--json").json()
    [challenge] = payload["challenges"]
    assert challenge["challenge_id"] == created.id
    assert challenge["matching"] == {"mode": "typed", "choices": None}
    assert challenge["account_id"] == enrolled_cli["id"]
    text = run("pending")
    assert created.id in text.out
    assert "matching typed" in text.out


def test_approve(run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp) -> None:
    created = idp.create_challenge(number=42)
    result = run("approve", "--number", "42", "--timeout", "5")
    assert (result.status, result.err) == (0, "")
    assert result.out == f"approved challenge {created.id} (Jasmin:alice.martin)\n"
    assert created.status == "approved"


def test_approve_waits_for_the_next_challenge(
    run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp
) -> None:
    threading.Timer(0.3, idp.create_challenge).start()
    assert run("approve", "--number", "42", "--timeout", "10").status == 0


def test_approve_with_the_wrong_number(
    run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp
) -> None:
    created = idp.create_challenge(number=42)
    result = run("approve", "--number", "24", "--timeout", "5")
    assert result.status == 1
    assert result.err == (
        "error [number_mismatch]: the number does not match the one shown in the browser\n"
    )
    assert created.status == "failed"


def test_approve_needs_the_number(run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp) -> None:
    created = idp.create_challenge()
    result = run("approve", "--timeout", "5")
    assert result.status == 2
    assert result.err.startswith("error [number_required]:")
    assert created.status == "pending"
    assert run("approve", "--number", "100").status == 2


def test_approve_times_out(run: Any, enrolled_cli: dict[str, Any]) -> None:
    result = run("approve", "--number", "42", "--timeout", "0")
    assert result.status == 1
    assert result.err.startswith("error [no_challenge]:")


@pytest.mark.parametrize(("flags", "status"), [((), "denied"), (("--report",), "reported")])
def test_deny(
    run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp, flags: tuple[str, ...], status: str
) -> None:
    created = idp.create_challenge()
    result = run("deny", *flags, "--timeout", "5")
    assert result.status == 0
    assert result.out.startswith(f"{status} challenge {created.id}")
    assert created.status == status


def test_refused_challenges_are_reported(
    run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp
) -> None:
    forged, _ = idp.realm.challenge(
        idp.clock(), device_id=enrolled_cli["push"]["device_id"], kid="attacker-key"
    )
    idp.extra_tokens.append(forged)
    result = run("approve", "--number", "42", "--timeout", "0")
    assert result.status == 1
    assert "refused [challenge_unknown_key]: refused a challenge signed by a key" in result.err
    assert run("pending", "--json").json()["refused"][0]["error"] == "challenge_unknown_key"


def test_vault_errors(run: Any, vault_path: Path) -> None:
    missing = run("list")
    assert (missing.status, missing.err.split(":")[0]) == (3, "error [vault_missing]")
    run("add", TOTP_URI)
    wrong = run("list", env={"AUTHENTICATOR_PIN": "0000"})
    assert (wrong.status, wrong.err) == (3, "error [vault_pin_wrong]: wrong PIN\n")
    blob = bytearray(vault_path.read_bytes())
    blob[-3] ^= 1
    vault_path.write_bytes(bytes(blob))
    damaged = run("add", TOTP_URI)
    assert damaged.status == 3
    assert damaged.err.startswith("error [vault_corrupted]:")
    assert vault_path.read_bytes() == bytes(blob)


def test_pin_errors(run: Any) -> None:
    empty = run("add", TOTP_URI, env={"AUTHENTICATOR_PIN": ""})
    assert (empty.status, empty.err.split(":")[0]) == (2, "error [pin_empty]")
    absent = run("add", TOTP_URI, env={})
    assert (absent.status, absent.err.split(":")[0]) == (2, "error [pin_unavailable]")


def test_interactive_pin_prompt(run: Any) -> None:
    answers = iter(["135791", "135791", "135791"])
    created = run("add", TOTP_URI, env={}, interactive=True, prompt=lambda _: next(answers))
    assert created.status == 0
    assert run("list", env={}, interactive=True, prompt=lambda _: next(answers)).status == 0


@pytest.mark.parametrize(
    ("pin", "code", "message"),
    [
        ("1234", "pin_too_short", "a new PIN needs at least 6 digits"),
        ("12345a", "pin_not_digits", "a PIN is made of digits (0-9) only"),
    ],
)
def test_a_new_vault_needs_six_digits(
    run: Any, vault_path: Path, pin: str, code: str, message: str
) -> None:
    result = run("add", TOTP_URI, env={"AUTHENTICATOR_PIN": pin})
    assert result.status == 2
    assert result.err.startswith(f"error [{code}]: {message} (")
    assert pin not in result.err
    assert not vault_path.exists()
    assert code in exit_status_help()  # the --help exit-status table names it


def test_no_push_account(run: Any) -> None:
    run("add", TOTP_URI)
    result = run("pending")
    assert (result.status, result.err.split(":")[0]) == (2, "error [no_push_account]")


def test_idp_unreachable(run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp) -> None:
    idp.stop()
    result = run("pending")
    assert result.status == 4
    *retries, last = result.err.strip().splitlines()
    # Tried four times with backoff (0.5, 1, 2 s), each retry announced, then the error.
    assert [line.split(";")[1].strip() for line in retries] == [
        "pending tried again in 0.5 s (2 of 4)",
        "pending tried again in 1 s (3 of 4)",
        "pending tried again in 2 s (4 of 4)",
    ]
    assert last.startswith("error [idp_unreachable]: the IdP cannot be reached")


def test_revoked_device(run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp) -> None:
    idp.devices[enrolled_cli["push"]["device_id"]].revoked = True
    result = run("pending")
    assert result.status == 1
    assert result.err == "error [device_revoked]: this device was removed from the account\n"


def test_watch_subprocess_prints_json_lines_and_exits_0_on_ctrl_c(
    run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp, vault_path: Path
) -> None:
    env = {**os.environ, "AUTHENTICATOR_PIN": PIN, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "authenticator_app", "--vault", str(vault_path), "watch", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for text in stdout:
            lines.put(text)

    threading.Thread(target=pump, daemon=True).start()
    try:
        created = idp.create_challenge()  # caught up at start, or hinted: either way one line
        line = json.loads(lines.get(timeout=10))
        assert (line["event"], line["challenge_id"]) == ("challenge", created.id)
        newer = idp.create_challenge()
        seen = [json.loads(lines.get(timeout=10)) for _ in range(2)]
        assert {(x["event"], x["challenge_id"]) for x in seen} == {
            ("dropped", created.id),
            ("challenge", newer.id),
        }
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "listening for Jasmin:alice.martin" in err
    assert Vault.exists(vault_path)


def test_watch_text_mode_ends_cleanly_on_sigterm(
    run: Any, enrolled_cli: dict[str, Any], idp: FakeIdp, vault_path: Path
) -> None:
    created = idp.create_challenge()
    process = subprocess.Popen(
        [sys.executable, "-m", "authenticator_app", "--vault", str(vault_path), "watch"],
        cwd=ROOT,
        env={**os.environ, "AUTHENTICATOR_PIN": PIN, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the catch-up at start
        assert line.startswith(f"{created.id}  Jasmin:alice.martin  sign_in  Jasmin  from ")
        assert "matching typed" in line
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err


# --- import and export (issue 20) ---------------------------------------------------------------

BACKUP_ENV = {"AUTHENTICATOR_PIN": PIN, "AUTHENTICATOR_BACKUP_PASSWORD": "backup password"}


def test_export_aegis_then_import_it_elsewhere(
    run: Any, enrolled_cli: dict[str, Any], tmp_path: Path
) -> None:
    run("add", TOTP_URI)
    run("add", HOTP_URI)
    target = tmp_path / "export.json"
    result = run("export", "--format", "aegis", str(target))
    assert result.status == 0, result.err
    # the push account also has a TOTP code (from its receipt): that part is exported, not its key
    assert "exported 3 account(s)" in result.out
    assert "not exported: 1 push account(s)" in result.err
    assert target.stat().st_mode & 0o777 == 0o600
    again = run("export", "--format", "aegis", str(target), "--json")
    assert again.status == 2
    assert "[export_exists]" in again.err
    forced = run("export", "--format", "aegis", str(target), "--force", "--json").json()
    assert (forced["exported"], forced["skipped_push"]) == (3, 1)

    other = tmp_path / "other.bin"
    imported = run("--vault", str(other), "import", str(target), "--json")
    assert imported.status == 0, imported.err
    document = imported.json()
    assert document["format"] == "aegis"
    assert [a["label"] for a in document["added"]][1:] == ["Example:bob", "Counter:carol"]
    assert all(a["kinds"] in (["totp"], ["hotp"]) for a in document["added"])
    assert run("--vault", str(other), "code", "carol").out == "755224\n"
    twice = run("--vault", str(other), "import", str(target)).err
    assert twice.count("duplicate") == 3


def test_backup_round_trip(run: Any, tmp_path: Path) -> None:
    run("add", TOTP_URI)
    target = tmp_path / "backup.json"
    assert run("export", "--format", "backup", str(target)).status == 2  # no password
    assert not target.exists()
    result = run("export", "--format", "backup", str(target), env=BACKUP_ENV)
    assert result.status == 0, result.err
    assert json.loads(target.read_text())["format"] == "authenticator-backup"
    other = tmp_path / "other.bin"
    imported = run("--vault", str(other), "import", str(target), env=BACKUP_ENV)
    assert imported.status == 0, imported.err
    assert "added Example:bob (totp)" in imported.out
    wrong = {**BACKUP_ENV, "AUTHENTICATOR_BACKUP_PASSWORD": "not the one"}
    refused = run("--vault", str(tmp_path / "third.bin"), "import", str(target), env=wrong)
    assert refused.status == 2
    assert "[import_password_wrong]" in refused.err
    assert not (tmp_path / "third.bin").exists()


def test_backup_password_prompted_twice(run: Any, tmp_path: Path) -> None:
    run("add", TOTP_URI)
    answers = iter(["first one", "second one"])
    result = run(
        "export",
        "--format",
        "backup",
        str(tmp_path / "b.json"),
        interactive=True,
        prompt=lambda _: next(answers),
    )
    assert result.status == 2
    assert "[backup_password_mismatch]" in result.err
    short = run(
        "export", "--format", "backup", str(tmp_path / "b.json"),
        env={**BACKUP_ENV, "AUTHENTICATOR_BACKUP_PASSWORD": "short"},
    )  # fmt: skip
    assert "[backup_password_too_short]" in short.err


def test_import_migration_uri_and_errors_change_nothing(
    run: Any, vault_path: Path, tmp_path: Path
) -> None:
    from authenticator_app.core.migration_proto import encode_payload

    run("add", TOTP_URI)
    before = vault_path.read_bytes()
    for source, code in [
        ("otpauth-migration://offline?data=AAAA%%", "import_malformed"),
        (str(tmp_path / "missing.txt"), "import_unreadable"),
    ]:
        result = run("import", source)
        assert result.status == 2
        assert f"[{code}]" in result.err
    big = tmp_path / "big.txt"
    big.write_bytes(b"#" * (5 * 1024 * 1024 + 1))
    assert "[import_too_large]" in run("import", str(big)).err
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(f"{HOTP_URI}\nnot a uri\n")
    assert "[import_malformed]" in run("import", str(mixed)).err
    assert vault_path.read_bytes() == before

    raw = encode_payload(
        otp_parameters=[{"secret": b"12345678901234567890", "name": "dave", "issuer": "G",
                         "type": 2}]
    )  # fmt: skip
    data = base64.b64encode(raw).decode().replace("+", "%2B").replace("/", "%2F")
    result = run("import", f"otpauth-migration://offline?data={data}")
    assert result.status == 0, result.err
    assert "added G:dave (totp)" in result.out
