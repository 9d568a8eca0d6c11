"""Adding accounts: enrollment as a push device (``otpauth://idp-push/``), as a privacyIDEA push
token (``otpauth://pipush/``, :mod:`authenticator_app.core.pipush`) and plain OTP accounts
(``otpauth://totp/``, ``otpauth://hotp/``).

Push enrollment (``docs/protocol.md`` §4.1-4.3):

1. parse and check the offer (:meth:`Enroller.parse_offer`): syntax, version, expiry, and the
   URL's safety: ``https``, or ``http`` to a loopback host, or ``http`` anywhere only with the
   explicit ``allow_insecure_http`` (a tester's flag) -- refused as ``uri_insecure`` otherwise;
2. make a fresh P-256 key (it never leaves the vault), sign an ``EnrollmentRequest`` with it
   (``kid`` = RFC 7638 thumbprint, ``aud`` = realm URL) and POST it;
3. validate the receipt, pin its JWKS, and store the account.

Every IdP refusal arrives as its typed error (``activation_code_used``...).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from datetime import timedelta
from typing import Final

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from authenticator_app import __version__
from authenticator_app.core.accounts import Account, OtpParameters, PushDevice
from authenticator_app.core.clock import Clock, RandomBytes, system_clock, system_random
from authenticator_app.core.device_client import DEFAULT_TIMEOUT, submit_enrollment
from authenticator_app.core.errors import (
    DeviceNameInvalid,
    IdpResponseInvalid,
    OfferExpired,
    UriInsecure,
    UriInvalid,
    UriUnsupported,
    UriVersionUnsupported,
)
from authenticator_app.core.otpauth import is_otpauth_uri, parse_otpauth_uri
from authenticator_app.core.pipush.service import PiPushService
from authenticator_app.core.pipush.uri import is_pipush_uri
from authenticator_app.core.vault import Vault
from shared.errors import MessageExpired, ProtocolError, UnsupportedVersion
from shared.errors import UriInvalid as SharedUriInvalid
from shared.identifiers import new_identifier, new_jti
from shared.jws import sign
from shared.keys import generate_private_key, jwk_thumbprint, private_key_to_pem, public_jwk
from shared.messages import EnrollmentOffer, EnrollmentReceipt, EnrollmentRequest, is_enrollment_uri
from shared.messages.enrollment_uri import check_idp_url
from shared.timing import unix_time

__all__ = ["REQUEST_LIFETIME", "Enroller", "default_device_name"]

REQUEST_LIFETIME: Final = timedelta(seconds=120)


def default_device_name() -> str:
    """``Authenticator (<host name>)``, bounded to what the protocol accepts."""
    host = "".join(ch for ch in platform.node() if ch.isprintable())[:80] or "headless"
    return f"Authenticator ({host})"


class Enroller:
    def __init__(
        self,
        vault: Vault,
        *,
        clock: Clock = system_clock,
        rng: RandomBytes = system_random,
        session_factory: Callable[[], requests.Session] = requests.Session,
        key_factory: Callable[[], ec.EllipticCurvePrivateKey] = generate_private_key,
        platform_name: str = "headless",
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.vault = vault
        self.clock = clock
        self._rng = rng
        self._session_factory = session_factory
        self._key_factory = key_factory
        self._platform = platform_name
        self._timeout = timeout

    def add_uri(
        self, uri: str, *, device_name: str | None = None, allow_insecure_http: bool = False
    ) -> Account:
        """Add the account a URI describes (enrolling when it is an enrollment offer)."""
        if not isinstance(uri, str):
            raise UriInvalid("a URI is text")
        if is_enrollment_uri(uri):
            offer = self.parse_offer(uri, allow_insecure_http=allow_insecure_http)
            return self.enroll(
                offer,
                device_name=device_name or default_device_name(),
                allow_insecure_http=allow_insecure_http,
            )
        if is_otpauth_uri(uri):
            return self.add_otpauth(uri)
        if is_pipush_uri(uri):
            return self.pipush().enroll(uri, allow_insecure_http=allow_insecure_http)
        raise UriUnsupported("not an account URI this app knows")

    def pipush(self) -> PiPushService:
        """The privacyIDEA push service on the same vault, clock, randomness and HTTP."""
        return PiPushService(
            self.vault,
            clock=self.clock,
            rng=self._rng,
            session_factory=self._session_factory,
            timeout=self._timeout,
        )

    def add_otpauth(self, uri: str) -> Account:
        parsed = parse_otpauth_uri(uri)
        account = Account(
            id=new_identifier(self._rng),
            issuer=parsed.issuer,
            name=parsed.name,
            added_at=self.clock(),
            otp=parsed.otp,
        )
        self.vault.add_account(account)
        return account

    def parse_offer(self, uri: str, *, allow_insecure_http: bool = False) -> EnrollmentOffer:
        """The checked offer; :class:`UriInvalid`, :class:`UriInsecure`,
        :class:`UriVersionUnsupported` or :class:`OfferExpired`."""
        try:
            offer = EnrollmentOffer.from_uri(uri, allow_insecure_http=True, now=self.clock())
        except UnsupportedVersion as exc:
            raise UriVersionUnsupported(exc.detail) from None
        except MessageExpired as exc:
            raise OfferExpired(exc.detail) from None
        except ProtocolError as exc:
            raise UriInvalid(exc.detail) from None
        try:
            check_idp_url(offer.url, allow_insecure_http=allow_insecure_http)
        except SharedUriInvalid as exc:
            raise UriInsecure(exc.detail) from None
        return offer

    def _request(self, offer: EnrollmentOffer, key: ec.EllipticCurvePrivateKey, name: str) -> str:
        jwk = public_jwk(key)
        now = self.clock()
        try:
            request = EnrollmentRequest(
                code=offer.code,
                device_name=name,
                platform=self._platform,
                app_version=__version__,
                public_jwk=jwk,
                jti=new_jti(self._rng),
                aud=offer.realm_url,
                iat=unix_time(now),
                exp=unix_time(now + REQUEST_LIFETIME),
            )
        except ValidationError:
            raise DeviceNameInvalid(f"device name {name[:40]!r} is not acceptable") from None
        return sign(request, key, jwk_thumbprint(jwk))

    def enroll(
        self, offer: EnrollmentOffer, *, device_name: str, allow_insecure_http: bool = False
    ) -> Account:
        """Enroll a new device key for ``offer`` and store the account."""
        key = self._key_factory()
        token = self._request(offer, key, device_name)
        with self._session_factory() as session:
            receipt = submit_enrollment(session, offer.enrollment_url, token, timeout=self._timeout)
        self._check_receipt(offer, receipt, allow_insecure_http=allow_insecure_http)
        now = self.clock()
        account = Account(
            id=new_identifier(self._rng),
            issuer=receipt.issuer,
            name=receipt.account,
            added_at=now,
            push=PushDevice(
                device_id=receipt.device_id,
                device_name=device_name,
                realm=receipt.realm,
                realm_url=offer.realm_url,
                api_url=receipt.api_url,
                private_key_pem=private_key_to_pem(key).decode("ascii"),
                jwks=receipt.jwks,
                profile_url=receipt.profile_url,
                change_password_url=receipt.change_password_url,
                matching_mode=receipt.matching_mode,
                enrolled_at=now,
            ),
            otp=(
                None
                if receipt.totp is None
                else OtpParameters(
                    type="totp",
                    secret=receipt.totp.secret,
                    digits=receipt.totp.digits,
                    period=receipt.totp.period,
                    algorithm=receipt.totp.algorithm,
                )
            ),
        )
        self.vault.add_account(account)
        return account

    @staticmethod
    def _check_receipt(
        offer: EnrollmentOffer, receipt: EnrollmentReceipt, *, allow_insecure_http: bool
    ) -> None:
        if receipt.realm != offer.realm:
            raise IdpResponseInvalid(f"the receipt is for realm {receipt.realm!r}")
        try:
            check_idp_url(receipt.api_url, allow_insecure_http=allow_insecure_http)
        except SharedUriInvalid as exc:
            raise IdpResponseInvalid(f"the receipt's api_url is unsafe: {exc.detail}") from None
