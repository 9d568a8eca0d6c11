"""Strict JSON objects and the compact JWS splitter."""

from __future__ import annotations

import pytest

from shared.compact import MAX_TOKEN_BYTES, split_compact
from shared.errors import MessageMalformed, MessageTooLarge
from shared.strict_json import loads_object


def test_loads_an_object() -> None:
    assert loads_object(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    assert loads_object('{"é": "ü"}') == {"é": "ü"}


@pytest.mark.parametrize(
    "data",
    [
        b"[]",
        b"1",
        b'"x"',
        b"null",
        b"",
        b"{",
        b'{"a":1,"a":1}',
        b'{"a":{"b":1,"b":2}}',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'{"a":-Infinity}',
        b"\xff",
        b"[" * 100_000,
        "\ud800",
    ],
)
def test_refusals(data: bytes | str) -> None:
    with pytest.raises(MessageMalformed):
        loads_object(data)


def test_size_cap_applies_before_parsing() -> None:
    with pytest.raises(MessageTooLarge):
        loads_object(b"{}" + b" " * 100, max_bytes=100)
    with pytest.raises(MessageTooLarge):
        loads_object("{}" + " " * 100, max_bytes=100)


def test_huge_integers_are_malformed_not_crashes() -> None:
    with pytest.raises(MessageMalformed):
        loads_object(b'{"a":' + b"9" * 5000 + b"}")


def test_split_compact_keeps_the_payload_undecoded_until_asked() -> None:
    parts = split_compact("eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.")
    assert parts.header == {"alg": "ES256"}
    assert parts.payload == b"not json"
    assert parts.signature == b""
    assert parts.signing_input == b"eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24"
    with pytest.raises(MessageMalformed):
        parts.claims()


def test_split_compact_limits() -> None:
    with pytest.raises(MessageTooLarge):
        split_compact("a" * (MAX_TOKEN_BYTES + 1))
    with pytest.raises(MessageMalformed):
        split_compact(".e30.")
