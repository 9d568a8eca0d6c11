"""Test builders: realm keys, push accounts and signed challenges, made with ``shared`` only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from authenticator_app.core.accounts import Account, OtpParameters, PushDevice
from shared.addresses import device_api_url, realm_url
from shared.identifiers import new_identifier, new_nonce
from shared.jws import sign
from shared.keys import Jwks, generate_private_key, private_key_to_pem
from shared.messages import ChallengeContext, Matching, PushChallenge
from shared.timing import unix_time

BASE_URL = "http://127.0.0.1:5000"
REALM = "jasmin"
REALM_URL = realm_url(BASE_URL, REALM)
DEVICE_ID = "dev_Q2mT8xZr4kLp"
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # b"12345678901234567890"


@dataclass
class Realm:
    """A realm signing key and its JWKS, as the IdP holds them."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=generate_private_key)
    kid: str = "jasmin-key-1"
    url: str = REALM_URL
    slug: str = REALM

    @property
    def jwks(self) -> Jwks:
        return Jwks.from_keys({self.kid: self.key})

    def challenge(
        self,
        now: datetime,
        *,
        device_id: str = DEVICE_ID,
        key: ec.EllipticCurvePrivateKey | None = None,
        kid: str | None = None,
        ttl: int = 60,
        mode: str = "typed",
        choices: list[int] | None = None,
        **overrides: Any,
    ) -> tuple[str, PushChallenge]:
        """A signed challenge token (and its claims) for ``device_id``."""
        fields: dict[str, Any] = {
            "challenge_id": new_identifier(),
            "device_id": device_id,
            "realm": self.slug,
            "user": "alice.martin",
            "account": "alice.martin",
            "purpose": "sign_in",
            "context": ChallengeContext(
                service="Jasmin",
                client_ip="203.0.113.42",
                location="Lyon, France",
                browser="Firefox 140 (Linux)",
                time=now.isoformat(timespec="seconds"),
            ),
            "matching": Matching(mode=mode, choices=choices),
            "nonce": new_nonce(),
            "iss": self.url,
            "aud": device_id,
            "iat": unix_time(now),
            "exp": unix_time(now + timedelta(seconds=ttl)),
        }
        fields.update(overrides)
        claims = PushChallenge(**fields)
        return sign(claims, key or self.key, kid or self.kid), claims


def push_account(
    realm: Realm,
    now: datetime,
    *,
    device_key: ec.EllipticCurvePrivateKey | None = None,
    device_id: str = DEVICE_ID,
    account_id: str = "acct_push_1",
    base_url: str = BASE_URL,
    matching_mode: str = "typed",
    otp: OtpParameters | None = None,
) -> Account:
    key = device_key or generate_private_key()
    return Account(
        id=account_id,
        issuer="Jasmin",
        name="alice.martin",
        added_at=now,
        push=PushDevice(
            device_id=device_id,
            device_name="test device",
            realm=realm.slug,
            realm_url=realm.url,
            api_url=device_api_url(base_url, realm.slug),
            private_key_pem=private_key_to_pem(key).decode("ascii"),
            jwks=realm.jwks,
            profile_url=f"{realm.url}/profile",
            change_password_url=f"{realm.url}/password/change?login=alice.martin",
            matching_mode=matching_mode,
            enrolled_at=now,
        ),
        otp=otp,
    )


def totp_account(now: datetime, *, account_id: str = "acct_totp_1", name: str = "bob") -> Account:
    return Account(
        id=account_id,
        issuer="Example",
        name=name,
        added_at=now,
        otp=OtpParameters(secret=RFC_SECRET),
    )
