"""Import and export (issue 20): Google migration URIs, Aegis (plain and encrypted), otpauth://
lines, this app's backup; round trips and every refusal (nothing changes on error)."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.errors import (
    ExportExists,
    ExportWriteFailed,
    ImportMalformed,
    ImportPasswordWrong,
    ImportTooLarge,
    ImportUnreadable,
    ImportVersionUnsupported,
)
from authenticator_app.core.migration_proto import decode_payload, encode_payload
from authenticator_app.core.transfer import (
    MAX_IMPORT_BYTES,
    add_imported,
    export_aegis,
    export_backup,
    parse_import,
    read_import_source,
    write_export,
)
from authenticator_app.core.vault import Vault
from tests.authenticator_app.conftest import FAST_KDF, PIN
from tests.authenticator_app.factories import RFC_SECRET, push_account, totp_account

RFC_BYTES = b"12345678901234567890"
HOTP_URI = f"otpauth://hotp/Counter:carol?secret={RFC_SECRET}&counter=7&digits=8"
# Built by hand from the protobuf wire format: field 1 (otp_parameters, length 0x32) holding
# secret (1), name "Example:bob" (2), issuer "Example" (3), algorithm SHA1=1 (4), digits SIX=1
# (5), type TOTP=2 (6); then version=1 (2), batch_size=1 (3).
VECTOR_HEX = (
    "0a320a14" + RFC_BYTES.hex() + "120b" + b"Example:bob".hex() + "1a07" + b"Example".hex()
    + "200128013002" + "10011801"
)  # fmt: skip


def no_password() -> str:
    raise AssertionError("no password should be asked")


def migration_uri(raw: bytes) -> str:
    return "otpauth-migration://offline?data=" + quote(base64.b64encode(raw).decode(), safe="")


def test_the_known_vector_decodes_and_our_message_encodes_to_it() -> None:
    raw = bytes.fromhex(VECTOR_HEX)
    payload = decode_payload(raw)
    assert payload.version == 1
    assert payload.batch_size == 1
    otp = payload.otp_parameters[0]
    assert (otp.secret, otp.name, otp.issuer) == (RFC_BYTES, "Example:bob", "Example")
    again = encode_payload(
        otp_parameters=[
            {
                "secret": RFC_BYTES,
                "name": "Example:bob",
                "issuer": "Example",
                "algorithm": 1,
                "digits": 1,
                "type": 2,
            }
        ],
        version=1,
        batch_size=1,
    )
    assert again == raw
    batch = parse_import(migration_uri(raw).encode(), no_password)
    assert batch.format == "google-migration"
    [entry] = batch.entries
    assert (entry.issuer, entry.name) == ("Example", "bob")
    assert entry.otp == OtpParameters(type="totp", secret=RFC_SECRET)


def test_migration_types_algorithms_and_skips() -> None:
    raw = encode_payload(
        otp_parameters=[
            {"secret": RFC_BYTES, "name": "carol", "issuer": "C", "type": 1, "counter": 5,
             "algorithm": 3, "digits": 2},
            {"secret": RFC_BYTES, "name": "md5", "type": 2, "algorithm": 4},
            {"secret": RFC_BYTES, "name": "none", "type": 0},
            {"secret": RFC_BYTES, "name": "carol", "issuer": "C", "type": 1, "counter": 5,
             "algorithm": 3, "digits": 2},
        ],
        version=1, batch_size=2, batch_index=0, batch_id=42,
    )  # fmt: skip
    batch = parse_import(migration_uri(raw).encode(), no_password)
    [entry] = batch.entries
    assert entry.otp == OtpParameters(
        type="hotp", secret=RFC_SECRET, counter=5, algorithm="SHA512", digits=8
    )
    assert [(s.label, s.reason) for s in batch.skipped] == [
        ("md5", "unsupported"),
        ("none", "unsupported"),
        ("C:carol", "duplicate"),
    ]


@pytest.mark.parametrize(
    "uri",
    [
        "otpauth-migration://offline?data=",
        "otpauth-migration://offline?data=%%%%",
        "otpauth-migration://online?data=AAAA",
        migration_uri(bytes.fromhex(VECTOR_HEX)[:-20]),  # truncated
        migration_uri(b"\x0a\x05\x0a\x01"),  # a length past the end
    ],
)
def test_malformed_migration_uris(uri: str) -> None:
    with pytest.raises(ImportMalformed):
        parse_import(uri.encode(), no_password)


def test_a_newer_migration_payload_is_refused() -> None:
    raw = encode_payload(otp_parameters=[{"secret": RFC_BYTES, "name": "x", "type": 2}], version=2)
    with pytest.raises(ImportVersionUnsupported):
        parse_import(migration_uri(raw).encode(), no_password)


def test_a_too_short_secret_is_malformed() -> None:
    raw = encode_payload(otp_parameters=[{"secret": b"short", "name": "x", "type": 2}])
    with pytest.raises(ImportMalformed):
        parse_import(migration_uri(raw).encode(), no_password)


def test_otpauth_lines() -> None:
    text = "\n".join(
        [
            "# exported by hand",
            f"otpauth://totp/Example:bob?secret={RFC_SECRET}&issuer=Example",
            "",
            HOTP_URI,
            "otpauth://steam/Valve:x?secret=" + RFC_SECRET,
            f"otpauth://totp/Example:bob?secret={RFC_SECRET}&issuer=Example",
        ]
    )
    batch = parse_import(text.encode(), no_password)
    assert batch.format == "otpauth-lines"
    assert [e.label for e in batch.entries] == ["Example:bob", "Counter:carol"]
    assert batch.entries[1].otp.counter == 7
    assert [s.reason for s in batch.skipped] == ["unsupported", "duplicate"]


@pytest.mark.parametrize(
    "text",
    [b"", b"hello", b"otpauth://totp/x?secret=!!", b"\xff\xfe", b"[1]", b'{"a": 1}', b"{nope"],
)
def test_malformed_files(text: bytes) -> None:
    with pytest.raises(ImportMalformed):
        parse_import(text, no_password)


def test_too_large(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"#" * (MAX_IMPORT_BYTES + 1))
    with pytest.raises(ImportTooLarge):
        read_import_source(str(big))
    with pytest.raises(ImportTooLarge):
        parse_import(b"#" * (MAX_IMPORT_BYTES + 1), no_password)
    with pytest.raises(ImportUnreadable):
        read_import_source(str(tmp_path / "missing.json"))


# --- Aegis --------------------------------------------------------------------------------------


def aegis_db() -> dict[str, Any]:
    return {
        "version": 3,
        "entries": [
            {"type": "totp", "uuid": "u1", "name": "bob", "issuer": "Example", "note": "",
             "info": {"secret": RFC_SECRET, "algo": "SHA256", "digits": 7, "period": 60}},
            {"type": "hotp", "uuid": "u2", "name": "carol", "issuer": "",
             "info": {"secret": RFC_SECRET, "algo": "SHA1", "digits": 6, "counter": 3}},
            {"type": "steam", "uuid": "u3", "name": "gabe", "issuer": "Steam",
             "info": {"secret": RFC_SECRET, "algo": "SHA1", "digits": 5, "period": 30}},
        ],
        "groups": [],
    }  # fmt: skip


def aegis_encrypted(db: dict[str, Any], password: str, *, n: int = 2**4) -> bytes:
    """An encrypted Aegis vault, by the published algorithm (docs/vault.md of Aegis)."""
    master, salt = os.urandom(32), os.urandom(32)
    derived = Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(password.encode())
    key_nonce = os.urandom(12)
    sealed_key = AESGCM(derived).encrypt(key_nonce, master, None)
    db_nonce = os.urandom(12)
    sealed_db = AESGCM(master).encrypt(db_nonce, json.dumps(db).encode(), None)
    document = {
        "version": 1,
        "header": {
            "slots": [
                {"type": 2, "uuid": "bio", "key": "00" * 32,
                 "key_params": {"nonce": "00" * 12, "tag": "00" * 16}},
                {"type": 1, "uuid": "pw", "key": sealed_key[:-16].hex(),
                 "key_params": {"nonce": key_nonce.hex(), "tag": sealed_key[-16:].hex()},
                 "n": n, "r": 8, "p": 1, "salt": salt.hex(), "repaired": True},
            ],
            "params": {"nonce": db_nonce.hex(), "tag": sealed_db[-16:].hex()},
        },
        "db": base64.b64encode(sealed_db[:-16]).decode(),
    }  # fmt: skip
    return json.dumps(document).encode()


def check_aegis_entries(batch: Any) -> None:
    assert [e.label for e in batch.entries] == ["Example:bob", "carol"]
    assert batch.entries[0].otp == OtpParameters(
        type="totp", secret=RFC_SECRET, algorithm="SHA256", digits=7, period=60
    )
    assert batch.entries[1].otp.counter == 3
    assert [(s.label, s.reason) for s in batch.skipped] == [("Steam:gabe", "unsupported")]


def test_aegis_plain() -> None:
    document = {"version": 1, "header": {"slots": None, "params": None}, "db": aegis_db()}
    batch = parse_import(json.dumps(document).encode(), no_password)
    assert batch.format == "aegis"
    check_aegis_entries(batch)


def test_aegis_encrypted() -> None:
    data = aegis_encrypted(aegis_db(), "correct horse")
    batch = parse_import(data, lambda: "correct horse")
    assert batch.format == "aegis-encrypted"
    check_aegis_entries(batch)
    with pytest.raises(ImportPasswordWrong):
        parse_import(data, lambda: "wrong")


def test_aegis_errors() -> None:
    newer = {"version": 2, "header": {"slots": None}, "db": aegis_db()}
    with pytest.raises(ImportVersionUnsupported):
        parse_import(json.dumps(newer).encode(), no_password)
    db = {**aegis_db(), "version": 4}
    newer_db = {"version": 1, "header": {"slots": None}, "db": db}
    with pytest.raises(ImportVersionUnsupported):
        parse_import(json.dumps(newer_db).encode(), no_password)
    document = json.loads(aegis_encrypted(aegis_db(), "pw"))
    document["db"] = document["db"][:-8]  # truncated ciphertext
    with pytest.raises(ImportMalformed):
        parse_import(json.dumps(document).encode(), lambda: "pw")
    document = json.loads(aegis_encrypted(aegis_db(), "pw"))
    document["header"]["slots"][1]["n"] = 2**30  # a cost no phone would use: refused, not run
    with pytest.raises(ImportMalformed):
        parse_import(json.dumps(document).encode(), lambda: "pw")
    bad_entry = {"version": 1, "header": {"slots": None}, "db": {"version": 2, "entries": [1]}}
    with pytest.raises(ImportMalformed):
        parse_import(json.dumps(bad_entry).encode(), no_password)


# --- export, round trips, the vault -------------------------------------------------------------


def held_accounts(fixed_now: datetime) -> list[Any]:
    hotp = totp_account(fixed_now, account_id="acct_hotp", name="carol").with_otp(
        OtpParameters(type="hotp", secret=RFC_SECRET, counter=9, digits=8)
    )
    return [totp_account(fixed_now), hotp]


def test_export_aegis_round_trip(fixed_now: datetime, realm: Any) -> None:
    accounts = [*held_accounts(fixed_now), push_account(realm, fixed_now)]
    result = export_aegis(accounts)
    assert (result.exported, result.skipped_push) == (2, 1)
    document = json.loads(result.data)
    assert document["version"] == 1
    assert document["db"]["version"] == 2
    assert "private" not in result.data.decode()
    batch = parse_import(result.data, no_password)
    assert [(e.issuer, e.name, e.otp) for e in batch.entries] == [
        (a.issuer, a.name, a.otp) for a in accounts[:2]
    ]


def test_backup_round_trip_and_errors(fixed_now: datetime, realm: Any) -> None:
    accounts = [*held_accounts(fixed_now), push_account(realm, fixed_now)]
    result = export_backup(accounts, "backup pw", kdf=FAST_KDF)
    assert (result.exported, result.skipped_push) == (2, 1)
    assert RFC_SECRET not in result.data.decode()
    batch = parse_import(result.data, lambda: "backup pw")
    assert batch.format == "backup"
    assert [(e.issuer, e.name, e.otp) for e in batch.entries] == [
        (a.issuer, a.name, a.otp) for a in accounts[:2]
    ]
    with pytest.raises(ImportPasswordWrong):
        parse_import(result.data, lambda: "other")
    document = json.loads(result.data)
    document["version"] = 2
    with pytest.raises(ImportVersionUnsupported):
        parse_import(json.dumps(document).encode(), lambda: "backup pw")
    document = json.loads(result.data)
    del document["nonce"]
    with pytest.raises(ImportMalformed):
        parse_import(json.dumps(document).encode(), lambda: "backup pw")
    with pytest.raises(ImportMalformed):  # truncated
        parse_import(result.data[: len(result.data) // 2], lambda: "backup pw")


def test_add_imported_writes_once_and_skips_what_is_held(
    vault: Vault, vault_path: Path, fixed_now: datetime
) -> None:
    vault.add_account(totp_account(fixed_now))
    before = vault_path.read_bytes()
    text = f"otpauth://totp/Example:bob?secret={RFC_SECRET}&issuer=Example\n{HOTP_URI}\n"
    batch = parse_import(text.encode(), no_password)
    added, skipped = add_imported(vault, batch, now=fixed_now)
    assert [a.label for a in added] == ["Counter:carol"]
    assert [(s.label, s.reason) for s in skipped] == [("Example:bob", "duplicate")]
    assert vault_path.read_bytes() != before
    assert [a.label for a in Vault.open(vault_path, PIN).accounts] == [
        "Example:bob",
        "Counter:carol",
    ]


def test_write_export_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_export(target, b"one", force=False)
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ExportExists):
        write_export(target, b"two", force=False)
    assert target.read_bytes() == b"one"
    target.chmod(0o644)
    write_export(target, b"two", force=True)
    assert target.read_bytes() == b"two"
    assert target.stat().st_mode & 0o777 == 0o600


def test_forced_export_failing_mid_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old export")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ExportWriteFailed, match="No space"):
        write_export(target, b"new export", force=True)
    assert target.read_bytes() == b"old export"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left


def test_forced_export_replaces_rather_than_truncates(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old export")
    before = target.stat().st_ino
    write_export(target, b"new", force=True)
    assert target.read_bytes() == b"new"
    assert target.stat().st_ino != before  # a new file renamed over the old one
    assert target.stat().st_mode & 0o777 == 0o600


def test_export_to_a_missing_directory_fails_cleanly(tmp_path: Path) -> None:
    for force in (False, True):
        with pytest.raises(ExportWriteFailed):
            write_export(tmp_path / "missing" / "out.json", b"x", force=force)
    assert list(tmp_path.iterdir()) == []


def test_new_export_failing_mid_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ExportWriteFailed):
        write_export(tmp_path / "out.json", b"new export", force=False)
    assert list(tmp_path.iterdir()) == []
