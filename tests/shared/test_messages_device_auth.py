"""DeviceAuthToken: short-lived, bound to one request, carried in the Authorization header."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from shared.errors import MessageMalformed
from shared.jws import sign, verify
from shared.messages import (
    AUTHORIZATION_SCHEME,
    DeviceAuthToken,
    authorization_header,
    token_from_authorization,
)

Wire = Any


def test_lifetime_is_at_most_120_seconds(
    make_device_auth: Callable[..., DeviceAuthToken], t: int
) -> None:
    assert make_device_auth(exp=t + 120).exp == t + 120
    with pytest.raises(ValidationError, match="120 s"):
        make_device_auth(exp=t + 121)


def test_subject_is_the_issuer(make_device_auth: Callable[..., DeviceAuthToken]) -> None:
    with pytest.raises(ValidationError, match="sub must equal iss"):
        make_device_auth(sub="dev_someone_else")


@pytest.mark.parametrize("htm", ["get", "G", "GET POST", "TOOLONGMETHOD", ""])
def test_method_is_an_upper_case_token(
    make_device_auth: Callable[..., DeviceAuthToken], htm: str
) -> None:
    with pytest.raises(ValidationError):
        make_device_auth(htm=htm)


@pytest.mark.parametrize(
    "htu",
    ["", "pending", "https://idp.example.test/pending", "/pending?x=1", "/pending#top", "/a b"],
)
def test_target_is_a_bare_path(make_device_auth: Callable[..., DeviceAuthToken], htu: str) -> None:
    with pytest.raises(ValidationError):
        make_device_auth(htu=htu)


def test_matches_request(make_device_auth: Callable[..., DeviceAuthToken]) -> None:
    token = make_device_auth(htm="POST", htu="/realms/jasmin/api/device/v1/decisions")
    assert token.matches_request("post", "/realms/jasmin/api/device/v1/decisions")
    assert not token.matches_request("GET", "/realms/jasmin/api/device/v1/decisions")
    assert not token.matches_request("POST", "/realms/jasmin/api/device/v1/pending")


def test_round_trip_through_the_authorization_header(
    make_device_auth: Callable[..., DeviceAuthToken],
    device_key: Any,
    wire: Wire,
    now: datetime,
) -> None:
    message = make_device_auth()
    header = authorization_header(sign(message, device_key, wire.device_id))
    assert header.startswith(f"{AUTHORIZATION_SCHEME} ey")
    verified = verify(
        token_from_authorization(header),
        keys={wire.device_id: device_key.public_key()},
        model=DeviceAuthToken,
        audience=wire.realm_url,
        issuer=wire.device_id,
        now=now,
    )
    assert verified == message


@pytest.mark.parametrize("value", [None, "", "Device", "Device ", "Bearer abc.def.ghi", "abc"])
def test_authorization_header_must_use_the_device_scheme(value: str | None) -> None:
    with pytest.raises(MessageMalformed):
        token_from_authorization(value)


def test_authorization_scheme_is_case_insensitive() -> None:
    assert token_from_authorization("device  a.b.c ") == "a.b.c"
