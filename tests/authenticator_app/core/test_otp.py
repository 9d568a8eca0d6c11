"""RFC 6238 appendix B and RFC 4226 appendix D test vectors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from authenticator_app.core.accounts import OtpParameters
from authenticator_app.core.otp import generate_code, hotp_code, totp_code

SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
RFC4226 = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583"]


def b32(seed: bytes) -> str:
    return base64.b32encode(seed).decode().rstrip("=")


@pytest.mark.parametrize(
    ("unix", "algorithm", "expected"),
    [
        (row[0], algorithm, row[index])
        for row in RFC6238
        for index, algorithm in enumerate(("SHA1", "SHA256", "SHA512"), start=1)
    ],
)
def test_rfc6238_vectors(unix: int, algorithm: str, expected: str) -> None:
    params = OtpParameters(secret=b32(SEEDS[algorithm]), digits=8, algorithm=algorithm)
    code = totp_code(params, datetime.fromtimestamp(unix, tz=UTC))
    assert code.code == expected
    assert code.type == "totp"
    assert code.period == 30


@pytest.mark.parametrize(("counter", "expected"), list(enumerate(RFC4226)))
def test_rfc4226_vectors(counter: int, expected: str) -> None:
    params = OtpParameters(type="hotp", secret=b32(SEEDS["SHA1"]), counter=counter)
    code = hotp_code(params)
    assert code.code == expected
    assert code.next_parameters is not None
    assert code.next_parameters.counter == counter + 1


def test_remaining_seconds() -> None:
    params = OtpParameters(secret=b32(SEEDS["SHA1"]))
    assert totp_code(params, datetime.fromtimestamp(59, tz=UTC)).remaining == 1
    assert totp_code(params, datetime.fromtimestamp(60, tz=UTC)).remaining == 30
    assert totp_code(params, datetime.fromtimestamp(75.5, tz=UTC)).remaining == 14


def test_custom_period_and_six_digits() -> None:
    params = OtpParameters(secret=b32(SEEDS["SHA1"]), period=60)
    code = generate_code(params, datetime.fromtimestamp(119, tz=UTC))
    assert code.code == RFC4226[1]  # 119 // 60 = 1: the RFC 4226 value for counter 1
    assert code.remaining == 1


def test_naive_time_is_refused() -> None:
    params = OtpParameters(secret=b32(SEEDS["SHA1"]))
    with pytest.raises(ValueError, match="timezone-aware"):
        totp_code(params, datetime(2026, 1, 1))
