"""HTTP client of the IdP's device API (``docs/protocol.md`` §7), with typed errors.

Every call but ``enroll`` and ``jwks`` carries ``Authorization: Device <token>`` made for exactly
that method and path. Failures become typed errors:

- an ``ErrorBody`` answer -> :func:`~authenticator_app.core.idp_errors.idp_error` (its code);
- no connection, a timeout -> :class:`IdpUnreachable`;
- a 5xx without an error body -> :class:`IdpUnavailable`;
- anything else that is not the protocol -> :class:`IdpResponseInvalid`.

Redirects are not followed: a device token is bound to one path.
"""

from __future__ import annotations

from typing import Any, Final, Literal, TypeVar

import requests
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from authenticator_app.core.accounts import PushDevice
from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.device_identity import DeviceIdentity
from authenticator_app.core.errors import (
    AuthenticatorError,
    IdpResponseInvalid,
    IdpUnavailable,
    IdpUnreachable,
)
from authenticator_app.core.idp_errors import idp_error
from shared.errors import ProtocolError
from shared.keys import Jwks
from shared.messages import EnrollmentReceipt, ErrorBody, PendingList
from shared.strict_json import loads_object

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_WAIT_SECONDS",
    "DecisionStatus",
    "DeviceClient",
    "error_from_response",
    "submit_enrollment",
]

DEFAULT_TIMEOUT: Final = 10.0
MAX_WAIT_SECONDS: Final = 30
_CONNECT_TIMEOUT: Final = 5.0
_Model = TypeVar("_Model", bound=BaseModel)


class DecisionStatus(BaseModel):
    """The IdP's answer to a decision."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    challenge_id: str = Field(max_length=64)
    status: Literal["approved", "denied", "reported"]


def error_from_response(resp: requests.Response) -> AuthenticatorError:
    """The typed error for a non-2xx answer."""
    try:
        body = ErrorBody.from_json(resp.content)
    except ProtocolError:
        if resp.status_code >= 500:
            return IdpUnavailable(f"HTTP {resp.status_code} from the IdP")
        return IdpResponseInvalid(f"HTTP {resp.status_code} without an error body")
    return idp_error(body.error, body.message, status=resp.status_code)


def _send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    **kwargs: Any,
) -> requests.Response:
    try:
        resp = session.request(
            method, url, timeout=(_CONNECT_TIMEOUT, timeout), allow_redirects=False, **kwargs
        )
    except requests.Timeout:
        raise IdpUnreachable(f"no answer from {url} within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise IdpUnreachable(f"cannot reach {url}: {type(exc).__name__}") from None
    if resp.status_code >= 400:
        try:
            raise error_from_response(resp)
        finally:
            resp.close()
    if resp.status_code >= 300:
        resp.close()
        raise IdpResponseInvalid(f"unexpected HTTP {resp.status_code} (redirects are not followed)")
    return resp


def _strict(resp: requests.Response, model: type[_Model], what: str) -> _Model:
    """A body that is not a protocol message, parsed as strictly as one (size, depth, duplicate
    members) before its model sees it."""
    try:
        return model.model_validate(loads_object(resp.content, what=what))
    except (ProtocolError, ValidationError):
        raise IdpResponseInvalid(f"the {what} is invalid") from None


def submit_enrollment(
    session: requests.Session, url: str, request_token: str, *, timeout: float = DEFAULT_TIMEOUT
) -> EnrollmentReceipt:
    """POST the signed enrollment request; the validated receipt."""
    resp = _send(session, "POST", url, json={"request": request_token}, timeout=timeout)
    if resp.status_code != 201:
        raise IdpResponseInvalid(f"enrollment answered HTTP {resp.status_code}, not 201")
    try:
        return EnrollmentReceipt.from_json(resp.content)
    except ProtocolError as exc:
        raise IdpResponseInvalid(f"the enrollment receipt is invalid: {exc.detail}") from None


class DeviceClient:
    """The device API of one enrolled account."""

    def __init__(
        self,
        device: PushDevice,
        *,
        session: requests.Session | None = None,
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.device = device
        self.identity = DeviceIdentity(device, rng=rng)
        self.session = session or requests.Session()
        self.clock = clock
        self.timeout = timeout

    def url(self, tail: str) -> str:
        return self.device.api_url.rstrip("/") + tail

    def _call(
        self, method: str, tail: str, *, timeout: float | None = None, **kwargs: Any
    ) -> requests.Response:
        url = self.url(tail)
        headers = {
            "Authorization": self.identity.authorization(method, url, now=self.clock()),
            "Accept": kwargs.pop("accept", "application/json"),
        }
        return _send(
            self.session, method, url, headers=headers, timeout=timeout or self.timeout, **kwargs
        )

    def pending(self, *, wait: float = 0) -> list[str]:
        """The pending challenge tokens (unverified). ``wait`` > 0 long-polls (at most 30 s)."""
        seconds = max(0, min(int(wait), MAX_WAIT_SECONDS))
        params = {"wait": str(seconds)} if seconds else None
        resp = self._call("GET", "/pending", params=params, timeout=self.timeout + seconds)
        try:
            return list(PendingList.from_json(resp.content).challenges)
        except ProtocolError as exc:
            raise IdpResponseInvalid(f"the pending list is invalid: {exc.detail}") from None

    def decide(self, decision_token: str) -> DecisionStatus:
        """POST a signed decision; the IdP's status (errors are typed, e.g. NumberMismatch).

        Protocol v2: the decision, signed by the device key and single use, is its own
        credential; no ``Authorization`` token is made for it."""
        resp = _send(
            self.session,
            "POST",
            self.url("/decisions"),
            headers={"Accept": "application/json"},
            json={"decision": decision_token},
            timeout=self.timeout,
        )
        return _strict(resp, DecisionStatus, "decision answer")

    def open_events(self, *, read_timeout: float) -> requests.Response:
        """Open the SSE stream (the caller reads and closes it)."""
        resp = self._call(
            "GET", "/events", stream=True, timeout=read_timeout, accept="text/event-stream"
        )
        if not resp.headers.get("Content-Type", "").startswith("text/event-stream"):
            resp.close()
            raise IdpResponseInvalid("the event stream is not text/event-stream")
        return resp

    def unenroll(self) -> None:
        """Remove this device from the account at the IdP."""
        self._call("DELETE", "/device").close()

    def jwks(self) -> Jwks:
        """The realm's current JWKS (unauthenticated; not a substitute for the pinned one)."""
        resp = _send(self.session, "GET", self.url("/jwks"), timeout=self.timeout)
        return _strict(resp, Jwks, "JWKS")
