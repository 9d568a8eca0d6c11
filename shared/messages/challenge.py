"""The push challenge (IdP -> device), signed by the realm key.

The challenge itself lives in the IdP's database; this signed copy is what the device fetches from
``pending``, verifies against the realm JWKS pinned at enrollment (``iss`` = the realm URL,
``aud`` = its own device id), shows the user, and answers with a
:class:`~shared.messages.PushDecision`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator

from shared.messages.base import ProtocolMessage, WireObject
from shared.messages.fields import (
    AccountLabel,
    DisplayText,
    HttpUrl,
    Identifier,
    IpAddress,
    IsoTimestamp,
    MatchingMode,
    Nonce,
    Purpose,
    RealmSlug,
    UnixTime,
    Username,
)

__all__ = ["CHOICE_COUNT", "ChallengeContext", "Matching", "PushChallenge"]

CHOICE_COUNT = 3
TwoDigitNumber = Annotated[int, Field(strict=True, ge=10, le=99)]


class ChallengeContext(WireObject):
    """What the app shows so the user can tell a genuine request from an attack."""

    service: DisplayText
    """The service being signed in to / the flow (e.g. "Jasmin - réinitialisation")."""
    client_ip: IpAddress | None = None
    """The browser's IP address as the IdP saw it."""
    location: DisplayText | None = None
    """Approximate location of ``client_ip``, when known."""
    browser: DisplayText | None = None
    """Browser and OS, from the user agent."""
    time: UnixTime | IsoTimestamp
    """When the browser asked: Unix seconds, or ISO 8601 with its UTC offset."""


class Matching(WireObject):
    """Number matching. ``typed``: the user types the number shown in the browser (never sent to
    the device). ``choose``: the user picks the browser's number among ``choices``. ``none``."""

    mode: MatchingMode
    choices: Annotated[list[TwoDigitNumber], Field(max_length=CHOICE_COUNT)] | None = None
    """Exactly 3 distinct numbers 10-99 in ``choose`` mode; absent otherwise."""

    @model_validator(mode="after")
    def _choices_fit_the_mode(self) -> Self:
        if self.mode == "choose":
            if self.choices is None or len(set(self.choices)) != CHOICE_COUNT:
                raise ValueError("choose mode needs exactly 3 distinct two-digit choices")
        elif self.choices is not None:
            raise ValueError(f"{self.mode} mode carries no choices")
        return self


class PushChallenge(ProtocolMessage):
    """A request to approve a sign-in or a password reset, for one device."""

    media_type: ClassVar[str] = "push-challenge+jwt"
    message_type: ClassVar[str] = "push_challenge"
    max_lifetime: ClassVar[timedelta] = timedelta(minutes=10)

    typ: Literal["push_challenge"] = "push_challenge"
    challenge_id: Identifier
    device_id: Identifier
    """The device this copy is for; equal to ``aud``."""
    realm: RealmSlug
    user: Username
    """The user's identifier in the realm."""
    account: AccountLabel
    """The account label the app lists (as in the enrollment receipt)."""
    purpose: Purpose
    context: ChallengeContext
    matching: Matching
    nonce: Nonce
    """At least 16 random bytes, base64url; the decision echoes it."""
    iss: HttpUrl
    """The realm URL, ``{idp base url}/realms/{realm}``."""
    aud: Identifier
    """The device id."""

    @model_validator(mode="after")
    def _audience_is_the_device(self) -> Self:
        if self.aud != self.device_id:
            raise ValueError("aud must equal device_id")
        return self
