"""Every device API error is an ``ErrorBody`` with a stable code (never an HTML page)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from idp.push.errors import PushError, PushRateLimited
from shared.errors import ProtocolError
from shared.messages import ErrorBody
from shared.messages.device_auth import AUTHORIZATION_SCHEME

__all__ = ["PROTOCOL_STATUS", "error_response", "install", "www_authenticate"]

PROTOCOL_STATUS = {
    "message_malformed": 400,
    "message_too_large": 413,
    "unsupported_version": 400,
    "message_type_invalid": 400,
    "key_invalid": 400,
    "uri_invalid": 400,
}


def error_response(code: str, message: str, status: int) -> Response:
    resp = jsonify(ErrorBody(error=code, message=message[:500]).to_json_dict())
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = www_authenticate(code)
    return resp


def www_authenticate(code: str) -> str:
    """The challenge of a 401 (RFC 9110 §11.6.1), in the style of RFC 6750 §3: the realm, and
    the error code unless the request simply carried no credentials."""
    realm = getattr(g, "realm_ref", None) or getattr(g, "realm", None)
    params = [f'realm="{realm.slug}"'] if realm is not None else []
    if code != "device_auth_required":
        params.append(f'error="{code}"')
    return " ".join([AUTHORIZATION_SCHEME, ", ".join(params)]).strip()


def install(bp: Blueprint) -> None:
    @bp.errorhandler(ProtocolError)
    def _protocol(exc: ProtocolError) -> Response:
        # Signature, time, key, audience and issuer failures are authentication failures.
        return error_response(exc.code, exc.detail, PROTOCOL_STATUS.get(exc.code, 401))

    @bp.errorhandler(PushError)
    def _push(exc: PushError) -> Response:
        resp = error_response(exc.code, exc.detail, exc.status)
        if isinstance(exc, PushRateLimited):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
