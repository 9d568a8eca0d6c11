"""A real privacyIDEA 3.14 as a local peer, for interop tests and benchmarks.

The server is installed once with pip into its own venv under a cache folder
(:func:`cache_root`: ``$SSPR_PEERS_CACHE``, else ``$XDG_CACHE_HOME/sspr-peers``, else
``/tmp/sspr-peers``, then ``privacyidea-3.14``) and reused by later runs. Each
:func:`privacyidea_server` gets a fresh data folder (``pi.cfg``, SQLite database, encryption key,
audit keys, log, passwd file: nothing in ``/etc``), an admin, and gunicorn on a free loopback
port; everything stops and the data folder goes away when the context ends.

From a test::

    with privacyidea_server() as pi:
        pi.client.create_flatfile_realm("peerrealm", ["alice"])
        pi.client.set_push_policies(number_matching=True)
        enrollment = pi.client.enroll_push("alice")

From a script (benchmarks)::

    from tests.support.privacyidea import privacyidea_server
    with privacyidea_server(fast_pin_hash=True, workers=2) as pi:
        print(pi.base_url)

When pip cannot install the package (no registry), :class:`PeerUnavailable` is raised; tests turn
it into a skip with that reason (see :func:`require_privacyidea`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

__all__ = [
    "ADMIN_PASSWORD",
    "ADMIN_USER",
    "FAST_PIN_HASH",
    "PI_VERSION",
    "PeerUnavailable",
    "PrivacyIdeaAdmin",
    "PrivacyIdeaError",
    "PrivacyIdeaServer",
    "PushEnrollment",
    "cache_root",
    "ensure_installed",
    "privacyidea_server",
    "require_privacyidea",
]

PI_VERSION = "3.14"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-pass-123"
FAST_PIN_HASH: dict[str, int] = {
    "argon2__rounds": 1,
    "argon2__memory_cost": 8,
    "argon2__parallelism": 1,
}
"""``PI_HASH_ALGO_PARAMS`` of privacyIDEA's own test config: argon2id at its cheapest, so that a
benchmark measures the framework path rather than the PIN hash (default: m=64 MiB, t=9, p=4)."""

_INSTALL_TIMEOUT = 900
_START_TIMEOUT = 90


class PeerUnavailable(RuntimeError):
    """privacyIDEA could not be installed here (typically: the package registry is unreachable)."""


class PrivacyIdeaError(RuntimeError):
    """A privacyIDEA REST call answered ``result.status = false`` or a non-JSON error."""

    def __init__(self, message: str, *, status: int, body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def cache_root() -> Path:
    """Where the privacyIDEA venv lives (created on demand, reused across runs)."""
    base = os.environ.get("SSPR_PEERS_CACHE")
    if base:
        root = Path(base)
    elif os.environ.get("XDG_CACHE_HOME"):
        root = Path(os.environ["XDG_CACHE_HOME"]) / "sspr-peers"
    else:
        root = Path(tempfile.gettempdir()) / "sspr-peers"
    return root / f"privacyidea-{PI_VERSION}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_installed(root: Path | None = None) -> Path:
    """The venv holding ``privacyidea==3.14`` and gunicorn, installed on first use.

    Concurrent callers wait on a file lock; a finished install leaves a marker file, so a broken
    half-install is redone. Raises :class:`PeerUnavailable` when pip fails.
    """
    root = root or cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / "venv"
    marker = root / "installed.txt"
    # Made with this run's interpreter (sys.executable's base): another one reinstalls, so
    # both sides of a benchmark run on the same Python build.
    wanted = f"privacyidea=={PI_VERSION}\npython {sys.version.split()[0]} {sys.base_prefix}\n"
    with open(root / "install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text() == wanted and (venv / "bin/pi-manage").exists():
            return venv
        if venv.exists():
            shutil.rmtree(venv)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        proc = subprocess.run(
            [
                str(venv / "bin/pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"privacyidea=={PI_VERSION}",
                "gunicorn",
            ],
            capture_output=True,
            text=True,
            timeout=_INSTALL_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
            raise PeerUnavailable(f"pip could not install privacyidea=={PI_VERSION}: {tail}")
        marker.write_text(wanted)
    return venv


def require_privacyidea() -> Path:
    """:func:`ensure_installed`, or ``pytest.skip`` with the reason when it cannot be installed."""
    import pytest

    try:
        return ensure_installed()
    except PeerUnavailable as exc:
        pytest.skip(f"privacyIDEA {PI_VERSION} unavailable (offline?): {exc}")


def _write_config(
    data: Path,
    *,
    port: int,
    fast_pin_hash: bool,
    sign_responses: bool,
    sign_audit: bool,
    extra_config: Mapping[str, Any],
) -> Path:
    settings: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'privacyidea.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}},
        "SECRET_KEY": secrets.token_hex(32),
        "PI_PEPPER": secrets.token_hex(16),
        "PI_ENCFILE": str(data / "enckey"),
        "PI_AUDIT_KEY_PRIVATE": str(data / "private.pem"),
        "PI_AUDIT_KEY_PUBLIC": str(data / "public.pem"),
        "PI_AUDIT_SQL_TRUNCATE": True,
        "PI_LOGFILE": str(data / "privacyidea.log"),
        "PI_LOGLEVEL": 30,
        "PI_NODE_UUID": "3f0c9f2e-5a1b-4a55-9d63-6a1f0b7f1c11",
        "PI_UUID_FILE": str(data / "uuid.txt"),
        "PI_GNUPG_HOME": str(data / "gpg"),
        "PI_BASE_URL": f"http://127.0.0.1:{port}",
        "SUPERUSER_REALM": ["superuser"],
    }
    if fast_pin_hash:
        settings["PI_HASH_ALGO_PARAMS"] = dict(FAST_PIN_HASH)
    if not sign_responses:
        settings["PI_NO_RESPONSE_SIGN"] = True
    if not sign_audit:
        settings["PI_AUDIT_NO_SIGN"] = True
    settings.update(extra_config)
    cfg = data / "pi.cfg"
    cfg.write_text("".join(f"{key} = {value!r}\n" for key, value in settings.items()))
    return cfg


@dataclass(frozen=True)
class PushEnrollment:
    """Step 1 of a privacyIDEA push enrollment, as the QR code carries it."""

    serial: str
    uri: str
    """``otpauth://pipush/...`` (what the phone scans)."""
    enrollment_credential: str
    registration_url: str


@dataclass
class PrivacyIdeaAdmin:
    """A small client of privacyIDEA's REST API, logged in as the admin on first use."""

    base_url: str
    username: str = ADMIN_USER
    password: str = ADMIN_PASSWORD
    realm: str = "peerrealm"
    """Default realm for user-facing calls."""
    timeout: float = 60.0
    session: requests.Session = field(default_factory=requests.Session)
    _token: str | None = None

    # -- plumbing ---------------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        check: bool = True,
    ) -> dict[str, Any]:
        """One REST call; returns the decoded JSON body (raises :class:`PrivacyIdeaError` when
        ``check`` and ``result.status`` is false)."""
        headers = {"PI-Authorization": self.token()} if auth else {}
        response = self.session.request(
            method,
            self.base_url + path,
            data=dict(data) if data is not None else None,
            params=dict(params) if params is not None else None,
            headers=headers,
            timeout=self.timeout,
        )
        try:
            body: dict[str, Any] = response.json()
        except ValueError as exc:
            raise PrivacyIdeaError(
                f"{method} {path}: HTTP {response.status_code}, not JSON",
                status=response.status_code,
                body=response.text,
            ) from exc
        if check and not body.get("result", {}).get("status", False):
            error = body.get("result", {}).get("error", {})
            raise PrivacyIdeaError(
                f"{method} {path}: {error.get('message', body)}",
                status=response.status_code,
                body=body,
            )
        return body

    def token(self) -> str:
        """The admin JWT (``POST /auth``), fetched once (about 0.7 s: argon2)."""
        if self._token is None:
            response = self.session.post(
                self.base_url + "/auth",
                data={"username": self.username, "password": self.password},
                timeout=self.timeout,
            )
            response.raise_for_status()
            self._token = str(response.json()["result"]["value"]["token"])
        return self._token

    auth = token

    # -- users, realms, policies ------------------------------------------------------------------

    def create_flatfile_realm(
        self,
        realm: str,
        users: Iterable[str],
        *,
        passwd_file: Path,
        resolver: str = "peerflatfile",
        default: bool = True,
    ) -> None:
        """A passwd-style flat file with ``users``, a resolver over it, and ``realm`` (made the
        default realm unless ``default=False``)."""
        lines = [
            f"{name}:x:{1000 + i}:{1000 + i}:{name.capitalize()},,,,{name}@example.invalid:"
            f"/home/{name}:/bin/false"
            for i, name in enumerate(users)
        ]
        passwd_file.write_text("\n".join(lines) + "\n")
        self.call(
            "POST",
            f"/resolver/{resolver}",
            data={"type": "passwdresolver", "fileName": str(passwd_file)},
        )
        self.call("POST", f"/realm/{realm}", data={"resolvers": resolver})
        if default:
            self.call("POST", f"/defaultrealm/{realm}")
        self.realm = realm

    def set_policy(
        self, name: str, *, scope: str, action: str, active: bool = True, **extra: Any
    ) -> None:
        """``POST /policy/<name>`` (``extra``: ``realm``, ``user``, ``priority``...)."""
        self.call(
            "POST",
            f"/policy/{name}",
            data={"scope": scope, "action": action, "active": active, **extra},
        )

    def set_push_policies(
        self,
        *,
        number_matching: bool = True,
        options: int = 3,
        ttl_minutes: int = 10,
        registration_url: str | None = None,
    ) -> None:
        """Poll-only push (no Firebase): ``push_firebase_configuration=poll only`` with the
        registration URL of this server, polling allowed, and, with ``number_matching``,
        privacyIDEA's presence check (``NUMERIC``, ``options`` numbers shown)."""
        url = registration_url or f"{self.base_url}/ttype/push"
        self.set_policy(
            "push_enroll",
            scope="enrollment",
            action=(
                "push_firebase_configuration=poll only, "
                f"push_registration_url={url}, push_ssl_verify=0, push_ttl={ttl_minutes}"
            ),
        )
        auth = "push_allow_polling=allow"
        if number_matching:
            auth += (
                ", push_require_presence, push_presence_options=NUMERIC, "
                f"push_presence_num_options={options}"
            )
        self.set_policy("push_auth", scope="authentication", action=auth)

    def set_otppin_none(self) -> None:
        """``otppin=none``: ``/validate/check`` takes the OTP alone (no token PIN)."""
        self.set_policy("otppin_none", scope="authentication", action="otppin=none")

    # -- tokens -----------------------------------------------------------------------------------

    def enroll_push(self, user: str, *, realm: str | None = None, pin: str = "") -> PushEnrollment:
        """Step 1 (``POST /token/init type=push genkey=1``): the token waits for the phone."""
        data: dict[str, Any] = {
            "type": "push",
            "genkey": 1,
            "user": user,
            "realm": realm or self.realm,
        }
        if pin:
            data["pin"] = pin
        detail = self.call("POST", "/token/init", data=data)["detail"]
        uri = str(detail["pushurl"]["value"])
        query = parse_qs(urlsplit(uri).query)
        return PushEnrollment(
            serial=str(detail["serial"]),
            uri=uri,
            enrollment_credential=str(detail["enrollment_credential"]),
            registration_url=query["url"][0],
        )

    def enroll_totp(
        self,
        user: str,
        *,
        seed_hex: str,
        realm: str | None = None,
        pin: str = "",
        digits: int = 6,
        hashlib: str = "sha1",
        period: int = 30,
        serial: str | None = None,
    ) -> str:
        """A TOTP token with the given seed (hex); returns its serial."""
        data: dict[str, Any] = {
            "type": "totp",
            "otpkey": seed_hex,
            "user": user,
            "realm": realm or self.realm,
            "otplen": digits,
            "hashlib": hashlib,
            "timeStep": period,
        }
        if pin:
            data["pin"] = pin
        if serial:
            data["serial"] = serial
        return str(self.call("POST", "/token/init", data=data)["detail"]["serial"])

    def token_info(self, serial: str) -> dict[str, Any]:
        tokens = self.call("GET", "/token/", params={"serial": serial})["result"]["value"]["tokens"]
        if not tokens:
            raise PrivacyIdeaError(f"no token {serial}", status=404, body=tokens)
        return dict(tokens[0])

    # -- authentication ---------------------------------------------------------------------------

    def trigger_challenge(self, user: str, *, realm: str | None = None) -> dict[str, Any]:
        """``POST /validate/triggerchallenge`` (admin): the whole body; ``detail.transaction_id``
        and ``detail.multi_challenge[]`` (with ``presence_answer`` under number matching)."""
        return self.call(
            "POST",
            "/validate/triggerchallenge",
            data={"user": user, "realm": realm or self.realm},
        )

    def poll_transaction(self, transaction_id: str) -> dict[str, Any]:
        """``GET /validate/polltransaction`` (anonymous): ``result.authentication`` is
        ``ACCEPT``, ``REJECT`` (still open) or ``DECLINED``."""
        return self.call(
            "GET",
            "/validate/polltransaction",
            params={"transaction_id": transaction_id},
            auth=False,
            check=False,
        )

    def validate_check(
        self,
        user: str,
        password: str,
        *,
        realm: str | None = None,
        transaction_id: str | None = None,
    ) -> dict[str, Any]:
        """``POST /validate/check`` (anonymous): ``result.authentication`` is ``ACCEPT``,
        ``REJECT`` or ``CHALLENGE``."""
        data: dict[str, Any] = {"user": user, "pass": password, "realm": realm or self.realm}
        if transaction_id:
            data["transaction_id"] = transaction_id
        return self.call("POST", "/validate/check", data=data, auth=False, check=False)


@dataclass
class PrivacyIdeaServer:
    """A running privacyIDEA (see :func:`privacyidea_server`)."""

    base_url: str
    port: int
    data_dir: Path
    venv: Path
    client: PrivacyIdeaAdmin
    process: subprocess.Popen[bytes] | None = None

    @property
    def passwd_file(self) -> Path:
        return self.data_dir / "users.passwd"

    def create_realm(self, users: Iterable[str], *, realm: str = "peerrealm") -> None:
        """:meth:`PrivacyIdeaAdmin.create_flatfile_realm` with the file in the data folder."""
        self.client.create_flatfile_realm(realm, users, passwd_file=self.passwd_file)

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for name in ("gunicorn.log", "privacyidea.log"):
            path = self.data_dir / name
            if path.exists():
                out.append(f"--- {name}\n" + "\n".join(path.read_text().splitlines()[-lines:]))
        return "\n".join(out)

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM to its master, then SIGKILL after 15 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def _pi_manage(venv: Path, cfg: Path, data: Path, *args: str) -> None:
    proc = subprocess.run(
        [str(venv / "bin/pi-manage"), *args],
        env={**_clean_env(), "PRIVACYIDEA_CONFIGFILE": str(cfg)},
        cwd=data,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pi-manage {' '.join(args[:2])} failed: {proc.stderr[-2000:]}")


def _clean_env() -> dict[str, str]:
    """The environment without our venv or Python path (privacyIDEA runs in its own venv)."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    return {k: v for k, v in os.environ.items() if k not in drop}


@contextlib.contextmanager
def privacyidea_server(
    *,
    workers: int = 2,
    threads: int = 1,
    fast_pin_hash: bool = False,
    sign_responses: bool = True,
    sign_audit: bool = True,
    extra_config: Mapping[str, Any] | None = None,
    data_dir: Path | None = None,
    keep_data: bool = False,
) -> Iterator[PrivacyIdeaServer]:
    """Install (once), configure, start privacyIDEA 3.14 on ``127.0.0.1:<free port>``.

    ``fast_pin_hash`` writes :data:`FAST_PIN_HASH` as ``PI_HASH_ALGO_PARAMS``;
    ``sign_responses``/``sign_audit`` off set ``PI_NO_RESPONSE_SIGN``/``PI_AUDIT_NO_SIGN``;
    ``extra_config`` adds any other ``pi.cfg`` key. The data folder is a fresh one under the cache
    root unless ``data_dir`` is given; it is removed afterwards unless ``keep_data``.
    Raises :class:`PeerUnavailable` when privacyIDEA cannot be installed.
    """
    venv = ensure_installed()
    root = cache_root()
    if data_dir is None:
        (root / "runs").mkdir(exist_ok=True)
        data = Path(tempfile.mkdtemp(prefix="pi-", dir=root / "runs"))
    else:
        data = data_dir
        data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    server: PrivacyIdeaServer | None = None
    try:
        cfg = _write_config(
            data,
            port=port,
            fast_pin_hash=fast_pin_hash,
            sign_responses=sign_responses,
            sign_audit=sign_audit,
            extra_config=extra_config or {},
        )
        (data / "gpg").mkdir(mode=0o700, exist_ok=True)
        _pi_manage(venv, cfg, data, "setup", "create_enckey")
        _pi_manage(venv, cfg, data, "setup", "create_audit_keys")
        _pi_manage(venv, cfg, data, "setup", "create_tables")
        _pi_manage(
            venv,
            cfg,
            data,
            "admin",
            "add",
            ADMIN_USER,
            "-e",
            "admin@example.invalid",
            "-p",
            ADMIN_PASSWORD,
        )
        log = open(data / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                str(venv / "bin/gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--no-control-socket",
                "--timeout",
                "120",
                "privacyidea.app:create_app(config_name='production', silent=True)",
            ],
            env={**_clean_env(), "PRIVACYIDEA_CONFIGFILE": str(cfg)},
            cwd=data,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        server = PrivacyIdeaServer(
            base_url=base_url,
            port=port,
            data_dir=data,
            venv=venv,
            client=PrivacyIdeaAdmin(base_url),
            process=process,
        )
        _wait_ready(server)
        yield server
    finally:
        if server is not None:
            server.stop()
        if not keep_data and data_dir is None:
            shutil.rmtree(data, ignore_errors=True)


def _wait_ready(server: PrivacyIdeaServer) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"privacyIDEA exited at start-up:\n{server.log_tail()}")
        try:
            response = requests.get(server.base_url + "/healthz/", timeout=5)
            value = response.json().get("result", {}).get("value", {}) if response.ok else {}
            if value.get("status") == "ready":
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"privacyIDEA did not become ready in {_START_TIMEOUT} s:\n{server.log_tail()}"
    )


if __name__ == "__main__":  # pragma: no cover - manual smoke run
    with privacyidea_server(fast_pin_hash=True) as pi:
        pi.create_realm(["alice"])
        pi.client.set_push_policies()
        print(pi.base_url, pi.client.enroll_push("alice").uri)
