"""Import and export of one-time-code accounts (issue 20).

Import reads, detected from the content:

- Google Authenticator export URIs ``otpauth-migration://offline?data=BASE64``: a protobuf
  ``MigrationPayload`` (:mod:`authenticator_app.core.migration_proto`);
- Aegis vault exports, plain (``header.slots`` null) or encrypted (password slots: scrypt, then
  AES-256-GCM of the master key, then AES-256-GCM of the ``db``);
- text, one ``otpauth://`` (or ``otpauth-migration://``) URI per line; blank and ``#`` lines skip;
- this app's encrypted backup (:func:`export_backup`).

Only TOTP and HOTP entries are imported; other types are skipped and reported, and so are
duplicates (same issuer, account name and secret as an account already held or earlier in the
file). Parsing is all-or-nothing: any error raises before the vault is touched, and
:func:`add_imported` writes the vault once.

Export writes TOTP/HOTP parameters only: push keys never leave the device.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import unquote, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from pydantic import ValidationError

from authenticator_app.core.accounts import Account, OtpParameters
from authenticator_app.core.atomic_file import replace_file
from authenticator_app.core.clock import RandomBytes, system_random
from authenticator_app.core.errors import (
    BackupPasswordMissing,
    BackupPasswordTooShort,
    ExportExists,
    ExportWriteFailed,
    ImportMalformed,
    ImportPasswordWrong,
    ImportTooLarge,
    ImportUnreadable,
    ImportVersionUnsupported,
    UriInvalid,
    UriUnsupported,
)
from authenticator_app.core.otpauth import parse_otpauth_uri
from authenticator_app.core.vault import Vault, VaultContents
from authenticator_app.core.vault_crypto import KdfParams
from shared.identifiers import new_identifier

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "MAX_IMPORT_BYTES",
    "MIN_BACKUP_PASSWORD",
    "ExportResult",
    "ImportBatch",
    "ImportedEntry",
    "Skipped",
    "add_imported",
    "check_backup_password",
    "export_aegis",
    "export_backup",
    "export_counts",
    "parse_import",
    "read_import_source",
    "write_export",
]

MAX_IMPORT_BYTES: Final = 5 * 1024 * 1024
MIN_BACKUP_PASSWORD: Final = 8  # characters, asked by the CLI and the app (not by the format)
BACKUP_FORMAT: Final = "authenticator-backup"
BACKUP_VERSION: Final = 1
AEGIS_VERSION: Final = 1
AEGIS_DB_VERSION: Final = 2  # what export writes; import reads 1 to 3
_AEGIS_DB_MAX: Final = 3
_MAX_LOG2_N: Final = 20  # scrypt bounds accepted from a file (1 GiB at r = 8 is already too much)
_MAX_R: Final = 32
_MAX_P: Final = 16
_MIGRATION_ALGORITHMS: Final = {0: "SHA1", 1: "SHA1", 2: "SHA256", 3: "SHA512"}
_MIGRATION_DIGITS: Final = {0: 6, 1: 6, 2: 8}
_MIGRATION_TYPES: Final = {1: "hotp", 2: "totp"}
_MIGRATION_VERSION: Final = 1  # what Google Authenticator writes (0: absent, read the same)

PasswordSource = Callable[[], str]


@dataclass(frozen=True, slots=True)
class ImportedEntry:
    issuer: str
    name: str
    otp: OtpParameters

    @property
    def label(self) -> str:
        return _label(self.issuer, self.name)


@dataclass(frozen=True, slots=True)
class Skipped:
    label: str
    reason: Literal["unsupported", "duplicate"]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ImportBatch:
    format: Literal["google-migration", "aegis", "aegis-encrypted", "otpauth-lines", "backup"]
    entries: tuple[ImportedEntry, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True, slots=True)
class ExportResult:
    data: bytes
    exported: int
    skipped_push: int


def _label(issuer: str, name: str) -> str:
    """« issuer:name », as :attr:`Account.label` shows an account."""
    return f"{issuer}:{name}" if issuer else name


# --- reading ------------------------------------------------------------------------------------


def read_import_source(source: str) -> bytes:
    """The bytes to import: ``source`` itself when it is a URI, else the file it names."""
    if source.strip().lower().startswith(("otpauth-migration://", "otpauth://")):
        data = source.strip().encode("utf-8")
        if len(data) > MAX_IMPORT_BYTES:
            raise ImportTooLarge(f"{len(data)} bytes")
        return data
    path = Path(source)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise ImportUnreadable(f"{path.name}: {exc.strerror or exc}") from None
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportTooLarge(f"{path.name} is over {MAX_IMPORT_BYTES} bytes")
    return data


def parse_import(data: bytes, password: PasswordSource) -> ImportBatch:
    """Every importable entry of ``data`` (any supported format); ``password`` is called only
    for an encrypted file. Raises an import error (nothing imported) on anything malformed."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportTooLarge(f"{len(data)} bytes")
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise ImportMalformed("not UTF-8 text") from None
    if not text:
        raise ImportMalformed("empty")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ImportMalformed(f"not JSON: {exc}") from None
        if not isinstance(document, dict):
            raise ImportMalformed("not a JSON object")
        if document.get("format") == BACKUP_FORMAT:
            return _dedupe("backup", _read_backup(document, password), [])
        if "header" in document and "db" in document:
            return _read_aegis(document, password)
        raise ImportMalformed("a JSON file that is neither an Aegis export nor a backup")
    return _read_lines(text)


def _dedupe(fmt: Any, entries: Sequence[ImportedEntry], skipped: Sequence[Skipped]) -> ImportBatch:
    seen: set[tuple[str, str, str]] = set()
    kept: list[ImportedEntry] = []
    dropped = list(skipped)
    for entry in entries:
        key = (entry.issuer, entry.name, entry.otp.secret)
        if key in seen:
            dropped.append(Skipped(entry.label, "duplicate", "twice in the file"))
            continue
        seen.add(key)
        kept.append(entry)
    return ImportBatch(fmt, tuple(kept), tuple(dropped))


def _entry(issuer: str, name: str, **otp: Any) -> ImportedEntry:
    try:
        return ImportedEntry(issuer=issuer, name=name or issuer, otp=OtpParameters(**otp))
    except ValidationError as exc:
        raise ImportMalformed(f"entry {_label(issuer, name)!r}: {exc.errors()[0]['msg']}") from None


def _base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode("ascii").rstrip("=")


# --- otpauth:// lines and Google's otpauth-migration:// -----------------------------------------


def _read_lines(text: str) -> ImportBatch:
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    migration = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        lower = line.lower()
        if lower.startswith("otpauth-migration://"):
            migration = True
            found, dropped = _read_migration(line)
            entries += found
            skipped += dropped
        elif lower.startswith(("otpauth://totp/", "otpauth://hotp/")):
            try:
                parsed = parse_otpauth_uri(line)
            except (UriInvalid, UriUnsupported) as exc:
                raise ImportMalformed(f"line {number}: {exc.detail or exc.code}") from None
            entries.append(ImportedEntry(parsed.issuer, parsed.name, parsed.otp))
        elif lower.startswith("otpauth://"):
            kind = urlsplit(line).netloc or "?"
            skipped.append(Skipped(f"line {number}", "unsupported", f"type {kind}"))
        else:
            raise ImportMalformed(f"line {number} is not an otpauth:// URI")
    if not entries and not skipped:
        raise ImportMalformed("no URI")
    return _dedupe("google-migration" if migration else "otpauth-lines", entries, skipped)


def _read_migration(uri: str) -> tuple[list[ImportedEntry], list[Skipped]]:
    try:
        from authenticator_app.core.migration_proto import decode_payload
    except ImportError:  # pragma: no cover - the Android build leaves it out (no protobuf)
        raise UriUnsupported("otpauth-migration:// is read by the desktop CLI only") from None

    parts = urlsplit(uri)
    if parts.netloc.lower() != "offline":
        raise ImportMalformed("an otpauth-migration URI is otpauth-migration://offline?data=...")
    # parse_qsl would read '+' (frequent in base64) as a space: split and unquote by hand
    params = {
        name: unquote(value)
        for name, _, value in (item.partition("=") for item in parts.query.split("&"))
    }
    data = params.get("data", "")
    if not data:
        raise ImportMalformed("the data parameter is missing")
    try:
        padded = data + "=" * (-len(data) % 4)
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ImportMalformed("the data parameter is not base64") from None
    payload = decode_payload(raw)
    if int(payload.version) > _MIGRATION_VERSION:
        raise ImportVersionUnsupported(f"migration payload version {payload.version}")
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    for otp in payload.otp_parameters:
        issuer, name = str(otp.issuer), str(otp.name)
        if issuer and name.startswith(f"{issuer}:"):
            name = name[len(issuer) + 1 :].strip()
        label = _label(issuer, name)
        kind = _MIGRATION_TYPES.get(int(otp.type))
        algorithm = _MIGRATION_ALGORITHMS.get(int(otp.algorithm))
        digits = _MIGRATION_DIGITS.get(int(otp.digits))
        if kind is None or algorithm is None or digits is None:
            skipped.append(Skipped(label, "unsupported", "type, algorithm or digits"))
            continue
        extra: dict[str, Any] = {"counter": int(otp.counter)} if kind == "hotp" else {}
        entries.append(
            _entry(
                issuer,
                name,
                type=kind,
                secret=_base32(bytes(otp.secret)),
                algorithm=algorithm,
                digits=digits,
                **extra,
            )
        )
    return entries, skipped


# --- Aegis --------------------------------------------------------------------------------------


def _hex(value: object, what: str) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError:
        raise ImportMalformed(f"{what} is not hex") from None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    if n < 2 or n & (n - 1) or n > 2**_MAX_LOG2_N or not (1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise ImportMalformed("scrypt parameters out of bounds")
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(password.encode("utf-8"))


def _aegis_decrypt(header: dict[str, Any], db: str, password: PasswordSource) -> Any:
    slots = header.get("slots")
    params = header.get("params")
    if not isinstance(slots, list) or not isinstance(params, dict):
        raise ImportMalformed("an encrypted Aegis header needs slots and params")
    password_slots = [s for s in slots if isinstance(s, dict) and s.get("type") == 1]
    if not password_slots:
        raise ImportMalformed("no password slot (biometric slots cannot be read here)")
    secret = password()
    master: bytes | None = None
    for slot in password_slots:
        try:
            derived = _scrypt(
                secret, _hex(slot["salt"], "salt"), int(slot["n"]), int(slot["r"]), int(slot["p"])
            )
            nonce = _hex(slot["key_params"]["nonce"], "nonce")
            tag = _hex(slot["key_params"]["tag"], "tag")
            sealed = _hex(slot["key"], "key")
        except (KeyError, TypeError, ValueError):
            raise ImportMalformed("a password slot is incomplete") from None
        try:
            master = AESGCM(derived).decrypt(nonce, sealed + tag, None)
            break
        except (InvalidTag, ValueError):
            continue
    if master is None:
        raise ImportPasswordWrong("no password slot opens with this password")
    try:
        nonce, tag = _hex(params["nonce"], "nonce"), _hex(params["tag"], "tag")
        sealed = base64.b64decode(db, validate=True)
        return json.loads(AESGCM(master).decrypt(nonce, sealed + tag, None))
    except (KeyError, TypeError, binascii.Error, InvalidTag, ValueError):
        raise ImportMalformed("the encrypted Aegis database does not decrypt") from None


def _read_aegis(  # noqa: PLR0912 - one check per field of a foreign format
    document: dict[str, Any], password: PasswordSource
) -> ImportBatch:
    if document.get("version") != AEGIS_VERSION:
        if isinstance(document.get("version"), int) and document["version"] > AEGIS_VERSION:
            raise ImportVersionUnsupported(f"Aegis file version {document['version']}")
        raise ImportMalformed("the Aegis file version is missing")
    header, db = document["header"], document["db"]
    if not isinstance(header, dict):
        raise ImportMalformed("the Aegis header is not an object")
    encrypted = header.get("slots") is not None
    if encrypted:
        if not isinstance(db, str):
            raise ImportMalformed("an encrypted Aegis database is base64 text")
        db = _aegis_decrypt(header, db, password)
    if not isinstance(db, dict) or not isinstance(db.get("entries"), list):
        raise ImportMalformed("the Aegis database has no entries list")
    version = db.get("version")
    if not isinstance(version, int) or version < 1:
        raise ImportMalformed("the Aegis database version is missing")
    if version > _AEGIS_DB_MAX:
        raise ImportVersionUnsupported(f"Aegis database version {version}")
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    for item in db["entries"]:
        if not isinstance(item, dict) or not isinstance(item.get("info"), dict):
            raise ImportMalformed("an Aegis entry is not an object with info")
        issuer, name = str(item.get("issuer") or ""), str(item.get("name") or "")
        label = _label(issuer, name)
        kind = str(item.get("type", ""))
        if kind not in ("totp", "hotp"):
            skipped.append(Skipped(label, "unsupported", f"type {kind}"))
            continue
        info = item["info"]
        otp: dict[str, Any] = {
            "type": kind,
            "secret": str(info.get("secret", "")).upper().rstrip("=").replace(" ", ""),
            "algorithm": str(info.get("algo", "SHA1")).upper(),
            "digits": info.get("digits", 6),
        }
        if kind == "totp":
            otp["period"] = info.get("period", 30)
        else:
            otp["counter"] = info.get("counter", 0)
        entries.append(_entry(issuer, name, **otp))
    return _dedupe("aegis-encrypted" if encrypted else "aegis", entries, skipped)


def _otp_accounts(accounts: Sequence[Account]) -> tuple[list[Account], int]:
    exported = [a for a in accounts if a.otp is not None]
    pushed = sum(1 for a in accounts if a.push is not None or a.pipush is not None)
    return exported, pushed


def export_counts(accounts: Sequence[Account]) -> tuple[int, int]:
    """(accounts an export writes, push accounts it leaves out), before exporting."""
    exported, pushed = _otp_accounts(accounts)
    return len(exported), pushed


def check_backup_password(password: str) -> str:
    """A new backup password, as the CLI and the app ask for it (the format takes any)."""
    if not password:
        raise BackupPasswordMissing("empty")
    if len(password) < MIN_BACKUP_PASSWORD:
        raise BackupPasswordTooShort()
    return password


def export_aegis(accounts: Sequence[Account], rng: RandomBytes = system_random) -> ExportResult:
    """An Aegis plain export (file version 1, database version 2) of the TOTP/HOTP accounts."""
    exported, pushed = _otp_accounts(accounts)
    entries = []
    for account in exported:
        otp = account.otp
        if otp is None:  # pragma: no cover - _otp_accounts keeps OTP accounts only
            continue
        info: dict[str, Any] = {"secret": otp.secret, "algo": otp.algorithm, "digits": otp.digits}
        if otp.type == "totp":
            info["period"] = otp.period
        else:
            info["counter"] = otp.counter
        uuid = rng(16).hex()
        entries.append(
            {
                "type": otp.type,
                "uuid": f"{uuid[:8]}-{uuid[8:12]}-4{uuid[13:16]}-a{uuid[17:20]}-{uuid[20:32]}",
                "name": account.name,
                "issuer": account.issuer,
                "note": "",
                "favorite": False,
                "icon": None,
                "info": info,
            }
        )
    document = {
        "version": AEGIS_VERSION,
        "header": {"slots": None, "params": None},
        "db": {"version": AEGIS_DB_VERSION, "entries": entries},
    }
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return ExportResult(data, len(exported), pushed)


# --- this app's backup --------------------------------------------------------------------------


def _backup_aad(document: dict[str, Any]) -> bytes:
    header = {k: document[k] for k in ("format", "version", "kdf", "nonce")}
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def export_backup(
    accounts: Sequence[Account],
    password: str,
    *,
    kdf: KdfParams | None = None,
    rng: RandomBytes = system_random,
) -> ExportResult:
    """This app's encrypted backup (docs/authenticator-headless.md, "Backup format")."""
    if not password:
        raise BackupPasswordMissing()
    cost = kdf or KdfParams(log2_n=17)
    exported, pushed = _otp_accounts(accounts)
    salt, nonce = rng(16), rng(12)
    key = _scrypt(password, salt, 2**cost.log2_n, cost.r, cost.p)
    plain = {
        "accounts": [
            {"issuer": a.issuer, "name": a.name, "otp": a.otp.model_dump(mode="json")}
            for a in exported
            if a.otp is not None
        ]
    }
    document: dict[str, Any] = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "kdf": {
            "name": "scrypt",
            "log2_n": cost.log2_n,
            "r": cost.r,
            "p": cost.p,
            "salt": base64.b64encode(salt).decode("ascii"),
        },
        "nonce": base64.b64encode(nonce).decode("ascii"),
    }
    sealed = AESGCM(key).encrypt(
        nonce, json.dumps(plain, separators=(",", ":")).encode("utf-8"), _backup_aad(document)
    )
    document["ciphertext"] = base64.b64encode(sealed).decode("ascii")
    data = json.dumps(document, indent=2).encode("utf-8") + b"\n"
    return ExportResult(data, len(exported), pushed)


def _read_backup(document: dict[str, Any], password: PasswordSource) -> list[ImportedEntry]:
    version = document.get("version")
    if not isinstance(version, int) or version < 1:
        raise ImportMalformed("the backup version is missing")
    if version > BACKUP_VERSION:
        raise ImportVersionUnsupported(f"backup version {version}")
    try:
        kdf = document["kdf"]
        if kdf["name"] != "scrypt":
            raise ImportMalformed(f"unknown key derivation {kdf['name']!r}")
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(document["nonce"], validate=True)
        sealed = base64.b64decode(document["ciphertext"], validate=True)
        log2_n, r, p = int(kdf["log2_n"]), int(kdf["r"]), int(kdf["p"])
        aad = _backup_aad(document)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ImportMalformed("the backup header is incomplete") from None
    if not 1 <= log2_n <= _MAX_LOG2_N:
        raise ImportMalformed("scrypt parameters out of bounds")
    key = _scrypt(password(), salt, 2**log2_n, r, p)
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, aad)
    except (InvalidTag, ValueError):
        # AES-GCM cannot tell a wrong password from a damaged file: the password is likelier
        raise ImportPasswordWrong("the backup does not decrypt with this password") from None
    try:
        items = json.loads(plain)["accounts"]
        return [_entry(str(i["issuer"]), str(i["name"]), **dict(i["otp"])) for i in items]
    except (KeyError, TypeError, ValueError):
        raise ImportMalformed("the backup content is not a list of accounts") from None


# --- vault and files ----------------------------------------------------------------------------


def add_imported(
    vault: Vault, batch: ImportBatch, *, now: datetime, rng: RandomBytes = system_random
) -> tuple[tuple[Account, ...], tuple[Skipped, ...]]:
    """Adds the batch's entries the vault does not hold yet, in one write; what was added, and
    what was skipped (the batch's own skips, then the duplicates of held accounts)."""
    added: list[Account] = []
    skipped = list(batch.skipped)

    def change(contents: VaultContents) -> VaultContents:
        added.clear()
        del skipped[len(batch.skipped) :]
        held = {(a.issuer, a.name, a.otp.secret) for a in contents.accounts if a.otp is not None}
        for entry in batch.entries:
            if (entry.issuer, entry.name, entry.otp.secret) in held:
                skipped.append(Skipped(entry.label, "duplicate", "already in the vault"))
                continue
            added.append(
                Account(
                    id=new_identifier(rng),
                    issuer=entry.issuer,
                    name=entry.name,
                    added_at=now,
                    otp=entry.otp,
                )
            )
        return contents.model_copy(update={"accounts": (*contents.accounts, *added)})

    if batch.entries:
        vault.update(change)
    return tuple(added), tuple(skipped)


def write_export(path: Path, data: bytes, *, force: bool) -> None:
    """Writes ``data`` to ``path`` with mode 0600; :class:`ExportExists` unless ``force``.

    A new file is created with ``O_EXCL`` (a partial one is removed if writing fails); with
    ``force`` the data goes to a temporary file beside ``path`` that then replaces it, so a
    failed export leaves the existing file as it was.
    """
    if force:
        try:
            replace_file(path, data)
        except OSError as exc:
            raise ExportWriteFailed(f"{path.name}: {exc.strerror or exc}") from None
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ExportExists(str(path)) from None
    except OSError as exc:
        raise ExportWriteFailed(f"{path.name}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()  # ours: O_EXCL created it
        raise ExportWriteFailed(f"{path.name}: {exc.strerror or exc}") from None
