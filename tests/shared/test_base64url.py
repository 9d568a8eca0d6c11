"""Strict unpadded base64url."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.base64url import b64url_decode, b64url_encode


@settings(max_examples=200)
@given(data=st.binary(max_size=100))
def test_round_trip(data: bytes) -> None:
    text = b64url_encode(data)
    assert not set(text) & set("=+/")
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    ["AQ==", "A", "AB+/", "AB/c", "a b", "ÀÀ", "AR", "AAB"],
    ids=[
        "padding",
        "length 1 mod 4",
        "plus",
        "slash",
        "space",
        "non-ascii",
        "stray bits 1",
        "stray bits 2",
    ],
)
def test_refusals(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the documented contract is ValueError
        b64url_decode(text)


def test_empty_is_empty() -> None:
    assert b64url_decode("") == b""
