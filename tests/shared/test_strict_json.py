"""Strict JSON objects and the compact JWS splitter."""

from __future__ import annotations

import pytest

from shared.compact import MAX_TOKEN_BYTES, split_compact
from shared.errors import MessageMalformed, MessageTooLarge
from shared.strict_json import MAX_DEPTH, check_depth, loads_object


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


def test_deep_nesting_is_refused_before_parsing() -> None:
    # About 2 KB of nested objects used to exhaust the decoder's recursion (RecursionError).
    nested = '{"a":' * 1100 + "1" + "}" * 1100
    with pytest.raises(MessageMalformed, match="nested deeper than 32"):
        loads_object(nested)
    with pytest.raises(MessageMalformed, match="nested deeper"):
        check_depth(b"[" * 33)


def test_nesting_up_to_the_bound_is_accepted() -> None:
    at_bound = '{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH
    assert loads_object(at_bound)["a"] is not None
    with pytest.raises(MessageMalformed):
        loads_object('{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"k\\"[[": "' + "[{" * 5000 + '\\\\", "b": ["]]]"]}'
    assert loads_object(text)["b"] == ["]]]"]


def test_many_siblings_are_not_depth() -> None:
    siblings = '{"a": [' + ",".join(["[{}]"] * (2 * MAX_DEPTH)) + "]}"
    assert len(loads_object(siblings)["a"]) == 2 * MAX_DEPTH  # 129 openers, 3 levels deep
