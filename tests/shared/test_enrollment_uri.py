"""The enrollment URI: format, round trip, URL safety, expiry, and hostile text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import MessageExpired, ProtocolError, UnsupportedVersion, UriInvalid
from shared.messages import EnrollmentOffer
from shared.messages.enrollment_uri import is_enrollment_uri, is_loopback_host

NOW = datetime.fromisoformat("2026-11-24T09:30:00+00:00")
EXP = int(NOW.timestamp()) + 300
URI = (
    "otpauth://idp-push/Jasmin:alice.martin@jasmin.example?v=2&url=https://idp.example.test"
    f"&realm=jasmin&code=K7QX-M2PA-9RTD&exp={EXP}&issuer=Jasmin"
)


def offer(**overrides: Any) -> EnrollmentOffer:
    members: dict[str, Any] = {
        "url": "https://idp.example.test",
        "realm": "jasmin",
        "issuer": "Jasmin",
        "account": "alice.martin@jasmin.example",
        "code": "K7QX-M2PA-9RTD",
        "exp": EXP,
    }
    members.update(overrides)
    return EnrollmentOffer(**members)


def parse(uri: str, **options: Any) -> EnrollmentOffer:
    return EnrollmentOffer.from_uri(uri, now=options.pop("now", NOW), **options)


def test_documented_example_parses() -> None:
    assert parse(URI) == offer()


def test_to_uri_is_the_documented_format() -> None:
    assert offer().to_uri() == URI


def test_round_trip_with_spaces_and_accents() -> None:
    original = offer(issuer="Université Polytechnique Hauts-de-France", account="Zoé Durand")
    uri = original.to_uri()
    assert not set(uri) & set(" +")
    assert uri.startswith("otpauth://idp-push/Universit%C3%A9%20Polytechnique")
    assert parse(uri) == original


def test_scheme_and_type_are_case_insensitive_and_whitespace_is_trimmed() -> None:
    assert parse("  OTPAUTH://IDP-PUSH/" + URI.split("/", 3)[3] + "\n") == offer()


def test_issuer_may_be_only_in_the_label_or_only_in_the_parameters() -> None:
    assert parse(URI.replace("&issuer=Jasmin", "")) == offer()
    assert parse(URI.replace("Jasmin:alice", "alice")) == offer()
    assert parse(URI.replace("Jasmin:alice", "Jasmin:%20alice")) == offer()


@pytest.mark.parametrize(
    "uri",
    [
        URI.replace("otpauth://", "https://"),
        URI.replace("idp-push", "totp"),
        URI.replace("idp-push", "pipush"),
        "otpauth://totp/Jasmin:alice?secret=JBSWY3DPEHPK3PXP&issuer=Jasmin",
        URI.replace("v=2&", ""),
        URI.replace("&code=K7QX-M2PA-9RTD", ""),
        URI.replace("&realm=jasmin", ""),
        URI.replace(f"&exp={EXP}", ""),
        URI.replace("url=https://idp.example.test&", ""),
        URI + "&code=AAAA-BBBB",
        URI + "&secret=JBSWY3DPEHPK3PXP",
        URI + "#fragment",
        URI.replace("issuer=Jasmin", "issuer=Other"),
        URI.replace("issuer=Jasmin", "issuer="),
        URI.replace("Jasmin:alice", "alice").replace("&issuer=Jasmin", ""),
        URI.replace(f"exp={EXP}", "exp=-5"),
        URI.replace(f"exp={EXP}", "exp=soon"),
        URI.replace("v=2", "v=one"),
        URI.replace("Jasmin:alice", "Jasmin:al ice"),
        URI.replace("Jasmin:alice", "Jasmin:%FFalice"),
        URI.replace("&realm=", "&&realm="),
        URI.replace("realm=jasmin", "realm=JASMIN"),
        URI.replace("code=K7QX-M2PA-9RTD", "code=%3Cscript%3E"),
        URI.replace("url=https://idp.example.test", "url=https://idp.example.test/?a=b"),
        URI.replace("url=https://idp.example.test", "url=https://admin:pw@idp.example.test"),
        URI.replace("url=https://idp.example.test", "url=ftp://idp.example.test"),
        URI.replace("url=https://idp.example.test", "url=javascript:alert(1)"),
        URI.replace("Jasmin:alice", "Jasmin:" + "a" * 4096),
        "",
        "otpauth://",
        "not a uri at all",
    ],
)
def test_malformed_uris(uri: str) -> None:
    with pytest.raises(UriInvalid):
        parse(uri)


def test_non_text_is_uri_invalid() -> None:
    with pytest.raises(UriInvalid):
        parse(b"otpauth://idp-push/x")  # type: ignore[arg-type]


def test_newer_version_is_unsupported() -> None:
    with pytest.raises(UnsupportedVersion):
        parse(URI.replace("v=2", "v=3"))


def test_version_zero_is_invalid() -> None:
    with pytest.raises(UriInvalid):
        parse(URI.replace("v=2", "v=0"))


def test_expired_offer() -> None:
    assert parse(URI, now=NOW + timedelta(seconds=300 + 4))
    with pytest.raises(MessageExpired, match="ask for a new one"):
        parse(URI, now=NOW + timedelta(seconds=300 + 5))
    with pytest.raises(MessageExpired):
        parse(URI, now=NOW + timedelta(seconds=300), leeway=timedelta(0))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000",
        "http://127.8.9.10",
        "http://localhost:8080/idp",
        "http://LOCALHOST",
        "http://[::1]:5000",
    ],
)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert parse(offer(url=url).to_uri()).url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://idp.example.test",
        "http://192.168.1.20:5000",
        "http://10.0.0.1",
        "http://[::2]",
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://[::ffff:127.0.0.1]",
    ],
)
def test_plain_http_elsewhere_needs_the_explicit_flag(url: str) -> None:
    uri = offer(url=url).to_uri()
    with pytest.raises(UriInvalid, match="plain http"):
        parse(uri)
    assert parse(uri, allow_insecure_http=True).url == url


def test_is_enrollment_uri() -> None:
    assert is_enrollment_uri(URI)
    assert is_enrollment_uri(" OTPAUTH://IDP-PUSH/x")
    assert not is_enrollment_uri("otpauth://totp/Jasmin:alice?secret=JBSWY3DPEHPK3PXP")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.255.254", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("128.0.0.1", False),
        ("example.test", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


PURE_FIXTURES = [HealthCheck.function_scoped_fixture]


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_from_uri_raises_only_protocol_errors_on_any_text(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse(text)


@settings(max_examples=300, deadline=None)
@given(
    position=st.integers(0, len(URI)),
    insert=st.text(max_size=8) | st.sampled_from(["%", "%2", "&", "=", "?", "#", ":", "/", "%3A"]),
    cut=st.integers(0, 5),
)
def test_from_uri_on_mutated_uris_returns_an_offer_or_a_protocol_error(
    position: int, insert: str, cut: int
) -> None:
    mutated = URI[:position] + insert + URI[position + cut :]
    try:
        result = parse(mutated, allow_insecure_http=True)
    except ProtocolError:
        return
    assert isinstance(result, EnrollmentOffer)


label_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters=":\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    issuer=label_text,
    account=label_text,
    code=st.from_regex(r"[A-Za-z0-9_-]{6,40}", fullmatch=True),
    realm=st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True),
    path=st.from_regex(r"(/[a-z0-9]{1,8}){0,3}", fullmatch=True),
)
def test_generated_offers_round_trip_through_their_uri(
    issuer: str, account: str, code: str, realm: str, path: str
) -> None:
    stripped_issuer, stripped_account = issuer, account
    original = offer(
        issuer=stripped_issuer,
        account=stripped_account,
        code=code,
        realm=realm,
        url="https://idp.example.test" + path,
    )
    uri = original.to_uri()
    if account != account.lstrip(" "):
        # Leading spaces after "issuer:" are optional formatting in the Key URI format.
        assert parse(uri).account == account.lstrip(" ")
        return
    assert parse(uri) == original


def test_quote_helper_matches_percent_encoding() -> None:
    assert quote("Zoé Durand", safe="@") == "Zo%C3%A9%20Durand"
