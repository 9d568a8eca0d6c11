"""Enrollment: the offer (a URI in a QR code), the device's signed request, the IdP's receipt.

1. The IdP shows an :class:`EnrollmentOffer` as ``otpauth://idp-push/...`` (see
   :mod:`shared.messages.enrollment_uri` for the exact format and the URL safety rules).
2. The app makes a P-256 key pair and posts an :class:`EnrollmentRequest`, a JWS signed by that
   new key (proof of possession) whose ``kid`` is the RFC 7638 thumbprint of ``public_jwk``
   (check both with :func:`shared.enrollment_proof.verify_enrollment_request`).
3. The IdP answers with an :class:`EnrollmentReceipt` (plain JSON over TLS, not a JWS), which
   carries the realm JWKS the app pins from then on.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints, ValidationError, field_validator

from shared.addresses import enrollment_url, realm_url
from shared.errors import KeyInvalid, MessageExpired, UriInvalid, validation_detail
from shared.keys import Jwks, load_public_jwk
from shared.messages.base import ProtocolMessage, WireModel, WireObject
from shared.messages.enrollment_uri import (
    check_idp_url,
    format_enrollment_uri,
    parse_enrollment_uri,
)
from shared.messages.fields import (
    AccountLabel,
    ActivationCode,
    DeviceName,
    HttpUrl,
    Identifier,
    IdpBaseUrl,
    IssuerLabel,
    Jti,
    MatchingMode,
    RealmSlug,
    ShortText,
    UnixTime,
)
from shared.timing import DEFAULT_LEEWAY, check_validity_window, from_unix_time

__all__ = ["EnrollmentOffer", "EnrollmentReceipt", "EnrollmentRequest", "TotpParameters"]


class EnrollmentOffer(WireModel):
    """A one-time, short-lived invitation to enroll an authenticator, shown as a URI/QR code."""

    url: IdpBaseUrl
    """The IdP base URL (https; http only to a loopback host or when explicitly allowed)."""
    realm: RealmSlug
    """The realm slug; the realm URL is ``{url}/realms/{realm}`` (:func:`shared.realm_url`)."""
    issuer: IssuerLabel
    """The realm's display name, shown in the account list."""
    account: AccountLabel
    """The account label (the user's identifier in the realm)."""
    code: ActivationCode
    """One-time activation code; proves to the IdP which offer is being redeemed."""
    exp: UnixTime
    """Offer expiry, integer Unix seconds."""

    @property
    def expires_at(self) -> datetime:
        return from_unix_time(self.exp)

    @property
    def realm_url(self) -> str:
        """``{url}/realms/{realm}``: the ``aud`` of the enrollment request."""
        return realm_url(self.url, self.realm)

    @property
    def enrollment_url(self) -> str:
        """Where the app posts the :class:`EnrollmentRequest` (:func:`shared.enrollment_url`)."""
        return enrollment_url(self.url, self.realm)

    def to_uri(self) -> str:
        """``otpauth://idp-push/{issuer}:{account}?v=..&url=..&realm=..&code=..&exp=..&issuer=..``"""
        return format_enrollment_uri(self.to_json_dict())

    @classmethod
    def from_uri(
        cls,
        uri: str,
        *,
        allow_insecure_http: bool = False,
        now: datetime,
        leeway: timedelta = DEFAULT_LEEWAY,
    ) -> Self:
        """Parse and check an enrollment URI.

        Raises :class:`~shared.errors.UriInvalid` (malformed, other scheme, missing or unknown
        parameter, unsafe ``url``), :class:`~shared.errors.UnsupportedVersion` (``v`` newer than
        ours) or :class:`~shared.errors.MessageExpired`.
        """
        members = parse_enrollment_uri(uri)
        try:
            offer = cls.model_validate(members)
        except ValidationError as exc:
            raise UriInvalid(validation_detail(exc)) from None
        check_idp_url(offer.url, allow_insecure_http=allow_insecure_http)
        try:
            check_validity_window(iat=None, exp=offer.exp, now=now, leeway=leeway)
        except MessageExpired:
            raise MessageExpired("the enrollment offer has expired; ask for a new one") from None
        return offer


def _public_p256_jwk(jwk: dict[str, str]) -> dict[str, str]:
    try:
        load_public_jwk(jwk)
    except KeyInvalid as exc:
        raise ValueError(exc.detail) from None
    return jwk


JwkMember = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=32)]
JwkValue = Annotated[str, StringConstraints(strict=True, max_length=256)]
PublicJwk = Annotated[
    dict[JwkMember, JwkValue], Field(max_length=16), AfterValidator(_public_p256_jwk)
]


class EnrollmentRequest(ProtocolMessage):
    """The app's request to redeem an offer, signed by the new device key it registers."""

    media_type: ClassVar[str] = "enrollment-request+jwt"
    message_type: ClassVar[str] = "enrollment_request"
    max_lifetime: ClassVar[timedelta] = timedelta(minutes=5)

    typ: Literal["enrollment_request"] = "enrollment_request"
    code: ActivationCode
    """The offer's activation code."""
    device_name: DeviceName
    """A name the user recognises in the list of their devices."""
    platform: ShortText
    """e.g. ``android``, ``linux``, ``headless``."""
    app_version: Annotated[str, StringConstraints(strict=True, max_length=32)]
    public_jwk: PublicJwk
    """The device's public P-256 JWK; the JWS ``kid`` is its RFC 7638 thumbprint."""
    jti: Jti
    """Unique id; the IdP accepts each at most once."""
    aud: HttpUrl
    """The realm URL, ``{offer.url}/realms/{offer.realm}``."""


class TotpParameters(WireObject):
    """A TOTP seed (RFC 6238) the realm gives the app so the account also shows codes."""

    secret: Annotated[
        str, StringConstraints(strict=True, min_length=26, max_length=128, pattern=r"^[A-Z2-7]+$")
    ]
    """Base32 (RFC 4648, upper case, no padding), at least 128 bits."""
    digits: Literal[6, 8] = 6
    period: Annotated[int, Field(strict=True, ge=15, le=300)] = 30
    """Seconds per code."""
    algorithm: Literal["SHA1", "SHA256", "SHA512"] = "SHA1"

    @field_validator("secret")
    @classmethod
    def _decodes_as_base32(cls, secret: str) -> str:
        try:
            base64.b32decode(secret + "=" * (-len(secret) % 8))
        except binascii.Error:
            raise ValueError("not valid base32") from None
        return secret


class EnrollmentReceipt(WireModel):
    """The IdP's answer to a valid :class:`EnrollmentRequest` (plain JSON, over TLS)."""

    device_id: Identifier
    """The id the IdP gave this device: ``kid`` of the device's JWS from now on, and the
    audience of the challenges sent to it."""
    realm: RealmSlug
    issuer: IssuerLabel
    """The realm's display name."""
    account: AccountLabel
    """The account label shown in the app."""
    api_url: HttpUrl
    """Base URL of the device API for this realm."""
    jwks: Jwks
    """The realm's signing keys; the app pins them and verifies challenges against them."""
    profile_url: HttpUrl
    change_password_url: HttpUrl
    """The realm's change-password page, pre-filled with the account's identifier."""
    matching_mode: MatchingMode
    totp: TotpParameters | None = None
    """Present when the realm allows TOTP codes in the app."""

    @field_validator("jwks")
    @classmethod
    def _jwks_is_not_empty(cls, jwks: Jwks) -> Jwks:
        if not jwks.keys:
            raise ValueError("the realm JWKS must hold at least one key")
        return jwks
