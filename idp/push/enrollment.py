"""Enrollment offers (one-time, short-lived) and their redemption by an authenticator app.

Security decisions:
- The activation code has 128 bits of entropy and only its SHA-256 is stored; redeeming it
  is a single conditional UPDATE, so two concurrent redemptions cannot both win.
- The app proves possession of its new key: the request is a JWS signed by the key it
  registers (shared.enrollment_proof), with a single-use ``jti``.
- The receipt pins the realm's JWKS in the app; from then on the app refuses any challenge
  not signed by one of those keys.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from idp.audit.service import ClientInfo, record
from idp.extensions import db
from idp.mfa.totp import TotpParams, new_secret
from idp.models import Device, EnrollmentOfferRecord, Realm, User
from idp.push.device_auth import remember_jti
from idp.push.errors import ActivationCodeExpired, ActivationCodeUnknown, ActivationCodeUsed
from idp.push.signing import realm_jwks
from idp.realms.store import preset_of
from shared.addresses import device_api_url, realm_url
from shared.enrollment_proof import verify_enrollment_request
from shared.identifiers import new_identifier
from shared.keys import jwk_thumbprint
from shared.messages import EnrollmentOffer, EnrollmentReceipt, TotpParameters
from shared.timing import unix_time
from shared.version import require_current_device_version

__all__ = ["OFFER_TTL", "IssuedOffer", "create_offer", "redeem"]

OFFER_TTL = timedelta(minutes=5)
RandomBytes = Callable[[int], bytes]


@dataclass(frozen=True)
class IssuedOffer:
    offer: EnrollmentOffer

    @property
    def uri(self) -> str:
        return self.offer.to_uri()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def create_offer(
    user: User,
    *,
    base_url: str,
    now: datetime,
    ttl: timedelta = OFFER_TTL,
    rng: RandomBytes = secrets.token_bytes,
    client: ClientInfo | None = None,
) -> IssuedOffer:
    """A new one-time offer for ``user``; older unused offers of the user are withdrawn."""
    realm = user.realm
    code = base64.b32encode(rng(20)).decode("ascii").rstrip("=")
    db.session.execute(
        update(EnrollmentOfferRecord)
        .where(EnrollmentOfferRecord.user_id == user.id, EnrollmentOfferRecord.used_at.is_(None))
        .values(expires_at=now)
    )
    db.session.add(
        EnrollmentOfferRecord(
            realm_id=realm.id,
            user_id=user.id,
            code_hash=_hash(code),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    record(
        "device_enrollment_offered",
        "info",
        now=now,
        realm=realm.slug,
        user=user,
        client=client,
    )
    offer = EnrollmentOffer(
        url=base_url,
        realm=realm.slug,
        issuer=preset_of(realm).display_name,
        account=user.username,
        code=code,
        exp=unix_time(now + ttl),
    )
    return IssuedOffer(offer)


def redeem(
    realm: Realm,
    token: str,
    *,
    base_url: str,
    now: datetime,
    client: ClientInfo,
    rng: RandomBytes = secrets.token_bytes,
) -> EnrollmentReceipt:
    """Verify an enrollment request, register the device, and answer with its receipt."""
    request = verify_enrollment_request(token, audience=realm_url(base_url, realm.slug), now=now)
    offer = db.session.scalar(
        select(EnrollmentOfferRecord).where(
            EnrollmentOfferRecord.code_hash == _hash(request.code),
            EnrollmentOfferRecord.realm_id == realm.id,
        )
    )
    if offer is None:
        raise ActivationCodeUnknown("this activation code is unknown")
    if offer.used_at is not None:
        raise ActivationCodeUsed("this activation code has already been used")
    if offer.expires_at <= now:
        raise ActivationCodeExpired("this activation code has expired; ask for a new one")
    require_current_device_version(request.v)
    remember_jti(request.jti, issuer="enrollment", expires_at=request.expires_at, now=now)
    device_id = new_identifier(rng)
    claimed = db.session.execute(
        update(EnrollmentOfferRecord)
        .where(EnrollmentOfferRecord.id == offer.id, EnrollmentOfferRecord.used_at.is_(None))
        .values(used_at=now, device_id=device_id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ActivationCodeUsed("this activation code has already been used")
    user = offer.user
    preset = preset_of(realm)
    totp_secret = new_secret(rng) if preset.push.offer_totp else None
    totp_params = TotpParams.of_realm(preset.totp)  # kept per device (idp.mfa.totp)
    db.session.add(
        Device(
            id=device_id,
            user_id=user.id,
            name=request.device_name,
            platform=request.platform,
            app_version=request.app_version,
            public_jwk=dict(request.public_jwk),
            jwk_thumbprint=jwk_thumbprint(request.public_jwk),
            enrolled_at=now,
            last_seen_at=now,
            totp_secret=totp_secret,
            totp_parameters=totp_params.as_dict() if totp_secret else None,
        )
    )
    record(
        "device_enrolled",
        "success",
        now=now,
        realm=realm.slug,
        user=user,
        client=client,
        details={"device_id": device_id, "device_name": request.device_name},
    )
    _notify_added(user, request.device_name, device_id, now=now, client=client)
    base = realm_url(base_url, realm.slug)
    return EnrollmentReceipt(
        device_id=device_id,
        realm=realm.slug,
        issuer=preset.display_name,
        account=user.username,
        api_url=device_api_url(base_url, realm.slug),
        jwks=realm_jwks(realm),
        profile_url=f"{base}/profile",
        change_password_url=f"{base}/password/change?login={_quote(user.username)}",
        matching_mode=preset.push.matching_mode,
        totp=TotpParameters(
            secret=totp_secret,
            digits=preset.totp.digits,
            period=preset.totp.period,
            algorithm=preset.totp.algorithm,
        )
        if totp_secret
        else None,
    )


def _notify_added(
    user: User, name: str, device_id: str, *, now: datetime, client: ClientInfo
) -> None:
    """Mail the account's owner that a device was added (issue 17): an enrollment the owner
    did not make is the sign of a takeover. Sent after the commit."""
    from flask_babel import lazy_gettext as _l

    from idp.mail.notices import notify_security_info_changed

    notify_security_info_changed(
        user,
        change=_l("Un appareil a été ajouté à votre compte : %(name)s.", name=name),
        key=f"device_added:{device_id}",
        now=now,
        client=client,
    )


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")
