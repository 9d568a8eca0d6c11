"""Real device credentials for a schemathesis run against a live ``idp serve``.

:func:`enroll_devices` enrolls test devices over HTTP (as the app does) and writes their keys to
a file; the schemathesis hook at the bottom (loaded with ``SCHEMATHESIS_HOOKS``) reads that file
and signs a fresh ``Authorization: Device`` token for every generated request, bound to its
method and path. ``DELETE .../device`` gets a spare device each time, so that the other calls
keep a live device to be tested with. Before a ``GET .../pending``, the hook keeps a challenge
pending for the device (test mode's ``/_dev`` trigger): a long-poll then answers at once with a
token to check against the schema, instead of holding the run for ``wait`` seconds.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from shared.addresses import realm_url
from shared.identifiers import new_jti
from shared.jws import sign
from shared.keys import (
    generate_private_key,
    jwk_thumbprint,
    private_key_from_pem,
    private_key_to_pem,
    public_jwk,
)
from shared.messages import DeviceAuthToken, EnrollmentOffer, EnrollmentReceipt, EnrollmentRequest
from shared.messages.device_auth import authorization_header
from shared.timing import unix_time

STATE_ENV = "DEVICE_API_TEST_DEVICES"
USER = ("jasmin", "camille.martin")
FRESH_FOR = timedelta(seconds=40)  # jasmin's challenges live 60 s


def enroll_device(base_url: str, uri: str) -> dict[str, str]:
    """Enroll a new device key with the offer ``uri``; its id and private key (PEM)."""
    now = datetime.now(UTC)
    offer = EnrollmentOffer.from_uri(uri, now=now)
    key = generate_private_key()
    jwk = public_jwk(key)
    request = EnrollmentRequest(
        code=offer.code,
        device_name="schemathesis",
        platform="headless",
        app_version="0.1.0",
        public_jwk=jwk,
        jti=new_jti(),
        aud=realm_url(base_url, offer.realm),
        iat=unix_time(now),
        exp=unix_time(now + timedelta(minutes=2)),
    )
    resp = requests.post(
        f"{base_url}/realms/{offer.realm}/api/device/v1/enroll",
        json={"request": sign(request, key, jwk_thumbprint(jwk))},
        timeout=10,
    )
    assert resp.status_code == 201, resp.text
    receipt = EnrollmentReceipt.model_validate(resp.json())
    return {
        "device_id": receipt.device_id,
        "realm_url": realm_url(base_url, receipt.realm),
        "key_pem": private_key_to_pem(key).decode(),
    }


def write_state(path: Path, device: dict[str, str], spares: list[dict[str, str]]) -> None:
    path.write_text(json.dumps({"device": device, "spares": spares}))


class _Devices:
    def __init__(self, path: Path) -> None:
        state = json.loads(path.read_text())
        self.device: dict[str, Any] = state["device"]
        self.spares: list[dict[str, Any]] = state["spares"]
        self.challenge_at: datetime | None = None

    def keep_a_challenge_pending(self) -> None:
        now = datetime.now(UTC)
        if self.challenge_at is not None and now - self.challenge_at < FRESH_FOR:
            return
        base_url = self.device["realm_url"].split("/realms/")[0]
        realm, user = USER
        resp = requests.post(
            f"{base_url}/_dev/realms/{realm}/users/{user}/challenges",
            json={"purpose": "sign_in"},
            timeout=10,
        )
        assert resp.status_code == 201, resp.text
        self.challenge_at = now

    def for_request(self, method: str, path: str) -> dict[str, Any]:
        if method == "DELETE" and path.endswith("/device") and len(self.spares) > 1:
            return self.spares.pop()
        if method == "DELETE" and path.endswith("/device") and self.spares:
            return self.spares[0]  # the last spare: removed once, then device_revoked
        return self.device

    def authorization(self, method: str, path: str) -> str:
        device = self.for_request(method, path)
        now = datetime.now(UTC)
        token = DeviceAuthToken(
            iss=device["device_id"],
            sub=device["device_id"],
            aud=device["realm_url"],
            jti=new_jti(),
            htm=method,
            htu=path,
            iat=unix_time(now),
            exp=unix_time(now + timedelta(seconds=60)),
        )
        key = private_key_from_pem(device["key_pem"].encode())
        return authorization_header(sign(token, key, device["device_id"]))


if os.environ.get(STATE_ENV):  # loaded by schemathesis as its hooks module
    import schemathesis

    _devices = _Devices(Path(os.environ[STATE_ENV]))

    @schemathesis.auth(refresh_interval=None)
    class DeviceAuth:
        """A fresh token per request: a token is single use and bound to its request."""

        def get(self, case: Any, ctx: Any) -> str:
            return "device"

        def set(self, case: Any, data: str, ctx: Any) -> None:
            method = case.method.upper()
            if method == "GET" and case.formatted_path.endswith("/pending"):
                _devices.keep_a_challenge_pending()
            case.headers = {
                **(case.headers or {}),
                "Authorization": _devices.authorization(method, case.formatted_path),
            }
