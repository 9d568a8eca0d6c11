from __future__ import annotations

import pytest

from authenticator_app.core.errors import (
    UriInsecure,
    UriInvalid,
    UriUnsupported,
    UriVersionUnsupported,
)
from authenticator_app.core.pipush.uri import is_pipush_uri, parse_pipush_uri

# What privacyIDEA 3.14 puts in the QR code (detail.pushurl.value), poll only.
URI = (
    "otpauth://pipush/PIPU0000A191?url=http%3A//127.0.0.1%3A34559/ttype/push&ttl=10"
    "&issuer=privacyIDEA&enrollment_credential=ec1bda96adc2716649da7475b41e23f7c763750d&v=1"
    "&serial=PIPU0000A191&sslverify=0&poll_only=True"
)


def test_privacyidea_uri() -> None:
    assert is_pipush_uri(URI)
    assert is_pipush_uri(URI.replace("otpauth://", "pia://"))
    assert not is_pipush_uri("otpauth://totp/x?secret=A")
    offer = parse_pipush_uri(URI)
    assert offer.serial == "PIPU0000A191"
    assert offer.label == "PIPU0000A191"
    assert offer.issuer == "privacyIDEA"
    assert offer.url == "http://127.0.0.1:34559/ttype/push"
    assert offer.enrollment_credential == "ec1bda96adc2716649da7475b41e23f7c763750d"
    assert offer.ttl_minutes == 10
    assert offer.sslverify is False
    assert offer.poll_only is True
    assert parse_pipush_uri(URI.replace("otpauth://", "pia://")) == offer


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (("&v=1", "&v=2"), UriVersionUnsupported),
        (("&v=1", "&v=x"), UriInvalid),
        (("&serial=PIPU0000A191", ""), UriInvalid),
        (("&serial=PIPU0000A191", "&serial=PI%20PU"), UriInvalid),
        (("enrollment_credential=ec1b", "enrollment_credential=zz1b"), UriInvalid),
        (("url=http%3A//127.0.0.1%3A34559", "url=ftp%3A//127.0.0.1%3A34559"), UriInvalid),
        (("url=http%3A//127.0.0.1", "url=http%3A//pi.example.org"), UriInsecure),
        (("&ttl=10", "&ttl=0"), UriInvalid),
        (("&sslverify=0", "&sslverify=maybe"), UriInvalid),
        (("&sslverify=0", "&sslverify=0&sslverify=1"), UriInvalid),
        (("otpauth://pipush/", "otpauth://push/"), UriUnsupported),
    ],
)
def test_bad_uris_are_refused(change: tuple[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_pipush_uri(URI.replace(*change))


def test_plain_http_elsewhere_only_when_allowed() -> None:
    remote = URI.replace("url=http%3A//127.0.0.1", "url=http%3A//pi.example.org")
    assert parse_pipush_uri(remote, allow_insecure_http=True).url.startswith("http://pi.")
    secure = URI.replace("url=http%3A//127.0.0.1", "url=https%3A//pi.example.org")
    assert parse_pipush_uri(secure).url.startswith("https://pi.example.org")
