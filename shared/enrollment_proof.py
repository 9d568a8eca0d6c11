"""Verify an enrollment request: a JWS signed by the very key it registers.

The key is inside the (still unverified) payload, so the order matters: read ``public_jwk``,
import it strictly, require the ``kid`` header to be its RFC 7638 thumbprint, then run the full
:func:`shared.jws.verify` with that key alone. A valid signature proves the sender holds the
private key; the one-time ``code`` proves which offer it redeems (the IdP checks that, and
``jti`` single use).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from shared.errors import MessageMalformed, UnknownKey
from shared.jws import peek_header, unverified_claims, verify
from shared.keys import jwk_thumbprint, load_public_jwk
from shared.messages.enrollment import EnrollmentRequest
from shared.timing import DEFAULT_LEEWAY

__all__ = ["verify_enrollment_request"]


def verify_enrollment_request(
    token: str, *, audience: str, now: datetime, leeway: timedelta = DEFAULT_LEEWAY
) -> EnrollmentRequest:
    """Verify an :class:`EnrollmentRequest` JWS against the ``public_jwk`` it carries.

    ``audience`` is the realm URL. The device's key thumbprint is
    ``jwk_thumbprint(request.public_jwk)`` (equal to the ``kid`` header).
    """
    header = peek_header(token)
    jwk = unverified_claims(token).get("public_jwk")
    if not isinstance(jwk, Mapping):
        raise MessageMalformed("public_jwk: an enrollment request carries the device's JWK")
    key = load_public_jwk(jwk)
    thumbprint = jwk_thumbprint(jwk)
    if header.get("kid") != thumbprint:
        raise UnknownKey("the kid of an enrollment request is its public_jwk's thumbprint")
    return verify(
        token,
        keys={thumbprint: key},
        model=EnrollmentRequest,
        audience=audience,
        issuer=None,
        now=now,
        leeway=leeway,
    )
