"""The realm's signing side: its JWKS and the per-device challenge tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, select

from idp.extensions import db
from idp.models import Challenge, Realm, RealmKey
from idp.realms.cache import RealmRef
from shared.addresses import realm_url
from shared.jws import sign
from shared.keys import Jwks
from shared.messages import ChallengeContext, Matching, PushChallenge
from shared.timing import unix_time

__all__ = ["ChallengeView", "realm_jwks", "sign_challenge"]


def realm_jwks(realm: Realm) -> Jwks:
    """Every published key of the realm (retired ones too, so in-flight tokens verify)."""
    keys = db.session.scalars(
        select(RealmKey).where(RealmKey.realm_id == realm.id).order_by(RealmKey.id)
    )
    return Jwks(keys=[dict(k.public_jwk) for k in keys])


class _ChallengeFields(Protocol):
    """What a signed copy is made from: a challenge's row (ORM) or a new one's values."""

    @property
    def id(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def matching_mode(self) -> str: ...
    @property
    def choices(self) -> list[int] | None: ...
    @property
    def nonce(self) -> str: ...
    @property
    def context(self) -> dict[str, Any]: ...
    @property
    def expires_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class ChallengeView:
    """What a signed copy of a challenge says (from an ORM object or a Core row)."""

    id: str
    purpose: str
    matching_mode: str
    choices: list[int] | None
    nonce: str
    context: dict[str, Any]
    expires_at: datetime

    @staticmethod
    def columns() -> tuple[Any, ...]:
        return (
            Challenge.id,
            Challenge.purpose,
            Challenge.matching_mode,
            Challenge.choices,
            Challenge.nonce,
            Challenge.context,
            Challenge.expires_at,
        )

    @classmethod
    def from_row(cls, row: Row[Any]) -> ChallengeView:
        return cls(**row._asdict())

    @classmethod
    def of(cls, challenge: _ChallengeFields) -> ChallengeView:
        return cls(
            challenge.id,
            challenge.purpose,
            challenge.matching_mode,
            challenge.choices,
            challenge.nonce,
            challenge.context,
            challenge.expires_at,
        )


def sign_challenge(
    challenge: ChallengeView,
    device_id: str,
    username: str,
    realm: RealmRef,
    *,
    base_url: str,
    now: datetime,
) -> str:
    """The challenge signed by the realm's active key for one device (``aud`` = its id)."""
    message = PushChallenge(
        challenge_id=challenge.id,
        device_id=device_id,
        realm=realm.slug,
        user=username,
        account=username,
        purpose=challenge.purpose,
        context=ChallengeContext(**challenge.context),
        matching=Matching(mode=challenge.matching_mode, choices=challenge.choices),
        nonce=challenge.nonce,
        iss=realm_url(base_url, realm.slug),
        aud=device_id,
        iat=unix_time(now),
        exp=unix_time(challenge.expires_at),
    )
    return sign(message, realm.private_key, realm.key_id)
