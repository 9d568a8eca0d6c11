"""The HTTP calls of a privacyIDEA push token to ``/ttype/push`` (no Firebase: poll only).

privacyIDEA wraps every answer as ``{"result": {"status": bool, "value": ...}, "detail": ...}``;
``status = false`` becomes :class:`PiRefused` with privacyIDEA's message. Transport failures are
:class:`IdpUnreachable`, anything that is not that JSON :class:`IdpResponseInvalid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import requests

from authenticator_app.core.accounts import PiPushDevice
from authenticator_app.core.clock import Clock, system_clock
from authenticator_app.core.errors import (
    IdpResponseInvalid,
    IdpUnavailable,
    IdpUnreachable,
    PiRefused,
)
from authenticator_app.core.pipush import signing

__all__ = [
    "DEFAULT_TIMEOUT",
    "FIREBASE_PLACEHOLDER",
    "REGISTER_TIMEOUT",
    "PiPushClient",
    "register",
]

DEFAULT_TIMEOUT: Final = 15.0
REGISTER_TIMEOUT: Final = 60.0
"""Step 2 makes privacyIDEA generate an RSA-4096 key: seconds on a busy server."""
FIREBASE_PLACEHOLDER: Final = "no-firebase-poll-only"
"""Sent as ``fbtoken`` at enrollment: privacyIDEA requires the field; this app only polls."""
_MAX_MESSAGE: Final = 300


@dataclass(frozen=True, slots=True)
class PiResult:
    value: Any
    detail: Any


def _call(
    session: requests.Session,
    method: str,
    url: str,
    *,
    verify: bool,
    timeout: float,
    data: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> PiResult:
    try:
        response = session.request(
            method, url, data=data, params=params, verify=verify, timeout=timeout
        )
    except requests.RequestException as exc:
        raise IdpUnreachable(f"privacyIDEA: {type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        if response.status_code >= 500:
            raise IdpUnavailable(f"privacyIDEA: HTTP {response.status_code}") from None
        raise IdpResponseInvalid(f"privacyIDEA: HTTP {response.status_code}, not JSON") from None
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("status"), bool):
        raise IdpResponseInvalid("privacyIDEA: no result.status in the answer")
    if not result["status"]:
        error = result.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        raise PiRefused(str(message or f"HTTP {response.status_code}")[:_MAX_MESSAGE])
    return PiResult(result.get("value"), body.get("detail"))


def register(
    session: requests.Session,
    *,
    url: str,
    serial: str,
    enrollment_credential: str,
    pubkey_b64: str,
    verify: bool,
    timeout: float = REGISTER_TIMEOUT,
) -> str:
    """Enrollment step 2: send the device key; the server key (base64) privacyIDEA returns."""
    result = _call(
        session,
        "POST",
        url,
        verify=verify,
        timeout=timeout,
        data={
            "enrollment_credential": enrollment_credential,
            "serial": serial,
            "fbtoken": FIREBASE_PLACEHOLDER,
            "pubkey": pubkey_b64,
        },
    )
    detail = result.detail if isinstance(result.detail, dict) else {}
    key = detail.get("public_key")
    if not isinstance(key, str) or detail.get("rollout_state") != "enrolled":
        raise IdpResponseInvalid("privacyIDEA: step 2 returned no server key")
    return key


class PiPushClient:
    """Signed poll and answers of one enrolled token."""

    def __init__(
        self,
        device: PiPushDevice,
        *,
        session: requests.Session,
        clock: Clock = system_clock,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.device = device
        self._key = signing.load_private_key(device.private_key_pem)
        self._session = session
        self._clock = clock
        self._timeout = timeout

    def poll(self) -> list[Any]:
        """``GET /ttype/push``: the open challenges as privacyIDEA sent them (unverified)."""
        timestamp = self._clock().isoformat()
        signature = signing.sign(self._key, signing.poll_text(self.device.serial, timestamp))
        result = _call(
            self._session,
            "GET",
            self.device.url,
            verify=self.device.sslverify,
            timeout=self._timeout,
            params={"serial": self.device.serial, "timestamp": timestamp, "signature": signature},
        )
        if not isinstance(result.value, list):
            raise IdpResponseInvalid("privacyIDEA: the poll answer is not a list")
        return result.value

    def answer(self, nonce: str, *, presence_answer: str | None = None) -> bool:
        """Accept the challenge ``nonce`` (with the chosen number under presence matching)."""
        data = {
            "serial": self.device.serial,
            "nonce": nonce,
            "signature": signing.sign(
                self._key, signing.answer_text(nonce, self.device.serial, presence_answer)
            ),
        }
        if presence_answer:
            data["presence_answer"] = presence_answer
        return self._post(data)

    def decline(self, nonce: str, *, reason: str | None = None) -> bool:
        """Decline the challenge ``nonce`` (``reason``: ``unknown_trigger`` or ``cancelled``)."""
        data = {
            "serial": self.device.serial,
            "nonce": nonce,
            "decline": "1",
            "signature": signing.sign(
                self._key, signing.decline_text(nonce, self.device.serial, reason)
            ),
        }
        if reason:
            data["decline_reason"] = reason
        return self._post(data)

    def _post(self, data: dict[str, str]) -> bool:
        result = _call(
            self._session,
            "POST",
            self.device.url,
            verify=self.device.sslverify,
            timeout=self._timeout,
            data=data,
        )
        if not isinstance(result.value, bool):
            raise IdpResponseInvalid("privacyIDEA: the answer result is not a boolean")
        return result.value
