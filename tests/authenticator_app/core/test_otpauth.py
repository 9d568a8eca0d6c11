from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.errors import UriInvalid, UriIssuerMismatch, UriUnsupported
from authenticator_app.core.otpauth import (
    format_otpauth_uri,
    is_otpauth_uri,
    parse_otpauth_uri,
)

GOOGLE = "otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"


def test_google_example() -> None:
    parsed = parse_otpauth_uri(GOOGLE)
    assert (parsed.issuer, parsed.name) == ("Example", "alice@google.com")
    assert parsed.otp == OtpParameters(secret="JBSWY3DPEHPK3PXP")


def test_all_parameters() -> None:
    parsed = parse_otpauth_uri(
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"
        "&issuer=ACME%20Co&algorithm=SHA512&digits=8&period=60"
    )
    assert parsed.issuer == "ACME Co"
    assert parsed.name == "john.doe@email.com"
    assert (parsed.otp.algorithm, parsed.otp.digits, parsed.otp.period) == ("SHA512", 8, 60)


def test_hotp_needs_a_counter() -> None:
    parsed = parse_otpauth_uri("otpauth://hotp/Svc:bob?secret=JBSWY3DPEHPK3PXP&counter=7")
    assert (parsed.otp.type, parsed.otp.counter) == ("hotp", 7)
    with pytest.raises(UriInvalid, match="counter"):
        parse_otpauth_uri("otpauth://hotp/Svc:bob?secret=JBSWY3DPEHPK3PXP")


def test_issuer_from_label_only_and_encoded_colon_and_spaces() -> None:
    parsed = parse_otpauth_uri("otpauth://TOTP/Big%20Corp%3A%20%20carol?secret=jbswy3dpehpk3pxp")
    assert (parsed.issuer, parsed.name) == ("Big Corp", "carol")
    assert parsed.otp.secret == "JBSWY3DPEHPK3PXP"


def test_no_issuer_at_all() -> None:
    parsed = parse_otpauth_uri("otpauth://totp/dave?secret=JBSWY3DPEHPK3PXP")
    assert (parsed.issuer, parsed.name) == ("", "dave")


def test_a_label_issuer_that_contradicts_the_issuer_parameter_is_refused() -> None:
    # Key URI format: when both are present they must be equal. It used to keep "New" silently.
    with pytest.raises(UriIssuerMismatch) as caught:
        parse_otpauth_uri("otpauth://totp/Old:erin?secret=JBSWY3DPEHPK3PXP&issuer=New")
    assert caught.value.code == "uri_issuer_mismatch"
    assert "'Old'" in caught.value.detail
    assert "'New'" in caught.value.detail
    assert isinstance(caught.value, UriInvalid)  # an input error: exit status 2


@pytest.mark.parametrize(
    "uri",
    [
        "otpauth://totp/ACME%20Co:erin?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co",
        "otpauth://totp/ACME%20Co:erin?secret=JBSWY3DPEHPK3PXP&issuer=ACME+Co",
        "otpauth://totp/ACME%20Co:%20erin?secret=JBSWY3DPEHPK3PXP&issuer=%20ACME%20Co%20",
        "otpauth://totp/ACME%20Co:erin?secret=JBSWY3DPEHPK3PXP&issuer=",
        "otpauth://totp/erin?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co",
    ],
)
def test_agreeing_or_single_issuers_are_accepted(uri: str) -> None:
    parsed = parse_otpauth_uri(uri)
    assert (parsed.issuer, parsed.name) == ("ACME Co", "erin")


def test_padding_spaces_and_unknown_parameters_are_tolerated() -> None:
    parsed = parse_otpauth_uri(
        "  otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP%3D%3D%3D%3D&image=https://x/y.png\n"
    )
    assert parsed.otp.secret == "JBSWY3DPEHPK3PXP"


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("otpauth://totp/X:y", "secret"),
        ("otpauth://totp/X:y?secret=", "secret"),
        ("otpauth://totp/X:y?secret=JBSWY3DP", "80 bits"),
        ("otpauth://totp/X:y?secret=JBSW1Y3DPEHPK3PXP", "base32"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXPA", "base32"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "algorithm"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&digits=5", "digits"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&digits=six", "digits"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&period=0", "period"),
        ("otpauth://totp/X:y?secret=JBSWY3DPEHPK3PXP&secret=JBSWY3DPEHPK3PXP", "twice"),
        ("otpauth://totp/X:?secret=JBSWY3DPEHPK3PXP", "no account"),
        ("otpauth://totp/X:y%ff?secret=JBSWY3DPEHPK3PXP", "UTF-8"),
        ("otpauth://totp/X:y%0a?secret=JBSWY3DPEHPK3PXP", "control"),
        ("otpauth://hotp/X:y?secret=JBSWY3DPEHPK3PXP&counter=99999999999999999999", "counter"),
    ],
)
def test_malformed(uri: str, fragment: str) -> None:
    with pytest.raises(UriInvalid, match=fragment):
        parse_otpauth_uri(uri)


@pytest.mark.parametrize(
    "uri",
    ["https://example.org", "otpauth://pipush/X:y?secret=A", "otpauth://idp-push/X:y?v=1", "x"],
)
def test_unsupported(uri: str) -> None:
    with pytest.raises(UriUnsupported):
        parse_otpauth_uri(uri)


def test_is_otpauth_uri() -> None:
    assert is_otpauth_uri(GOOGLE)
    assert is_otpauth_uri(" OTPAUTH://HOTP/x")
    assert not is_otpauth_uri("otpauth://idp-push/x")


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_raises_only_typed_errors(text: str) -> None:
    with contextlib.suppress(UriInvalid, UriUnsupported):
        parse_otpauth_uri(text)


_query_part = st.sampled_from(
    ["secret", "issuer", "algorithm", "digits", "period", "counter", "image", "SECRET"]
)


@given(
    kind=st.sampled_from(["totp", "hotp", "TOTP", "steam", ""]),
    label=st.text(max_size=40),
    params=st.lists(st.tuples(_query_part, st.text(max_size=40)), max_size=6),
)
@settings(max_examples=300, deadline=None)
def test_otpauth_shaped_input_raises_only_typed_errors(
    kind: str, label: str, params: list[tuple[str, str]]
) -> None:
    query = "&".join(f"{name}={value}" for name, value in params)
    with contextlib.suppress(UriInvalid, UriUnsupported):
        parse_otpauth_uri(f"otpauth://{kind}/{label}?{query}")


_names = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=":"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@given(
    issuer=st.one_of(st.just(""), _names),
    name=_names,
    secret=st.binary(min_size=10, max_size=40),
    digits=st.sampled_from([6, 7, 8]),
    algorithm=st.sampled_from(["SHA1", "SHA256", "SHA512"]),
    kind=st.sampled_from(["totp", "hotp"]),
    number=st.integers(min_value=1, max_value=3600),
)
@settings(max_examples=200, deadline=None)
def test_format_then_parse_round_trips(
    *, issuer: str, name: str, secret: bytes, digits: int, algorithm: str, kind: str, number: int
) -> None:
    import base64

    otp = OtpParameters(
        type=kind,
        secret=base64.b32encode(secret).decode().rstrip("="),
        digits=digits,
        algorithm=algorithm,
        period=number if kind == "totp" else 30,
        counter=number if kind == "hotp" else 0,
    )
    parsed = parse_otpauth_uri(format_otpauth_uri(issuer, name, otp))
    assert (parsed.issuer, parsed.name, parsed.otp) == (issuer, name, otp)
