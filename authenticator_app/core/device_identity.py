"""The device's signing identity: its key, its id at the IdP, and the messages it signs.

Every message goes through :func:`shared.jws.sign` with ``kid`` = device id:

- :meth:`DeviceIdentity.authorization` -> ``Authorization: Device <DeviceAuthToken>``, bound to
  one request (``htm`` = method, ``htu`` = path only), unique ``jti``, 60 s lifetime;
- :meth:`DeviceIdentity.sign_decision` -> a :class:`~shared.messages.PushDecision` that echoes
  the challenge's id and nonce.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from authenticator_app.core.accounts import PushDevice
from authenticator_app.core.clock import RandomBytes, system_random
from shared.identifiers import new_jti
from shared.jws import sign
from shared.keys import private_key_from_pem, public_key_thumbprint
from shared.messages import DeviceAuthToken, PushChallenge, PushDecision, authorization_header
from shared.messages.decision import Decision
from shared.timing import unix_time

__all__ = ["AUTH_TOKEN_LIFETIME", "DECISION_LIFETIME", "DeviceIdentity", "request_path"]

AUTH_TOKEN_LIFETIME: Final = timedelta(seconds=60)
DECISION_LIFETIME: Final = timedelta(seconds=60)


def request_path(url: str) -> str:
    """The path of ``url`` as ``htu`` carries it: no scheme, host, query or fragment."""
    return urlsplit(url).path or "/"


class DeviceIdentity:
    """Signs as one enrolled device. The private key is loaded from the vault's PEM once."""

    def __init__(self, device: PushDevice, *, rng: RandomBytes = system_random) -> None:
        self.device_id = device.device_id
        self.realm_url = device.realm_url
        self._key: ec.EllipticCurvePrivateKey = private_key_from_pem(
            device.private_key_pem.encode("ascii")
        )
        self._rng = rng

    @property
    def key_thumbprint(self) -> str:
        """The RFC 7638 thumbprint of this device's public key (traces name keys by it)."""
        return public_key_thumbprint(self._key)

    def __repr__(self) -> str:
        return f"DeviceIdentity(device_id={self.device_id!r})"

    def auth_token(self, method: str, url: str, *, now: datetime) -> str:
        """A :class:`DeviceAuthToken` JWS for exactly this request."""
        token = DeviceAuthToken(
            iss=self.device_id,
            sub=self.device_id,
            aud=self.realm_url,
            jti=new_jti(self._rng),
            htm=method.upper(),
            htu=request_path(url),
            iat=unix_time(now),
            exp=unix_time(now + AUTH_TOKEN_LIFETIME),
        )
        return sign(token, self._key, self.device_id)

    def authorization(self, method: str, url: str, *, now: datetime) -> str:
        """The ``Authorization`` header value for this request."""
        return authorization_header(self.auth_token(method, url, now=now))

    def sign_decision(
        self,
        challenge: PushChallenge,
        decision: Decision,
        *,
        number: int | None,
        now: datetime,
    ) -> str:
        """A :class:`PushDecision` JWS answering ``challenge`` (id and nonce echoed)."""
        message = PushDecision(
            challenge_id=challenge.challenge_id,
            decision=decision,
            number=number,
            nonce=challenge.nonce,
            iss=self.device_id,
            aud=self.realm_url,
            jti=new_jti(self._rng),
            iat=unix_time(now),
            exp=unix_time(now + DECISION_LIFETIME),
        )
        return sign(message, self._key, self.device_id)
