"""Random identifiers from injected randomness, constant-time compares, realm URLs."""

from __future__ import annotations

import pytest

from shared import device_api_url, enrollment_url, realm_url
from shared.base64url import b64url_decode
from shared.identifiers import new_identifier, new_jti, new_nonce, same_secret


def counting_rng(size: int) -> bytes:
    return bytes(range(size))


def test_sizes_and_alphabet() -> None:
    assert len(b64url_decode(new_nonce())) == 16
    assert len(b64url_decode(new_jti())) == 16
    assert len(b64url_decode(new_identifier())) == 12
    assert new_nonce() != new_nonce()


def test_injected_randomness_is_used() -> None:
    assert new_nonce(counting_rng) == "AAECAwQFBgcICQoLDA0ODw"
    assert new_identifier(counting_rng) == "AAECAwQFBgcICQoL"


def test_same_secret() -> None:
    assert same_secret("q2hQ0m5ZbJ8sV1r7Xy3kLw", "q2hQ0m5ZbJ8sV1r7Xy3kLw")
    assert not same_secret("q2hQ0m5ZbJ8sV1r7Xy3kLw", "q2hQ0m5ZbJ8sV1r7Xy3kLx")
    assert not same_secret("42", "042")


def test_realm_url() -> None:
    assert realm_url("https://idp.example.test", "jasmin") == (
        "https://idp.example.test/realms/jasmin"
    )
    assert realm_url("http://127.0.0.1:5000//", "uphf") == "http://127.0.0.1:5000/realms/uphf"
    with pytest.raises(ValueError, match="slug"):
        realm_url("https://idp.example.test", "../admin")


def test_device_api_and_enrollment_urls() -> None:
    assert device_api_url("https://idp.example.test/", "jasmin") == (
        "https://idp.example.test/realms/jasmin/api/device/v1"
    )
    assert enrollment_url("https://idp.example.test", "jasmin") == (
        "https://idp.example.test/realms/jasmin/api/device/v1/enroll"
    )
