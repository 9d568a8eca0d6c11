"""Field paths of a TOML document are mapped to the lines that define them."""

from __future__ import annotations

import tomllib

from idp.realms.toml_lines import field_lines, line_for

DOC = """\
# a comment with [brackets] and key = value
title = "x = [not a table]"
multi = \"\"\"
line = 1
[not.a.table]
\"\"\"
literal = '''
[[nor.this]]
'''
"quoted.key" = 1
dotted.inner = 2

[server]
host = "127.0.0.1"  # trailing comment
port = 5000

[server.tls]
enabled = true

[[users]]
name = "alice"
attrs = { first = "Alice", nested = { deep = 1 } }

[users.extra]
note = "a"

[[users]]
name = "bob"
roles = [
    "admin",  # first
    "auditor",
    { kind = "inline" },
]

[[users.keys]]
kid = "k1"

[[users.keys]]
kid = "k2"
when = 1979-05-27T07:32:00Z
escaped = "a \\" quote = [x]"
"""


def test_document_is_valid_toml() -> None:
    tomllib.loads(DOC)


def test_top_level_keys_and_strings_that_look_like_syntax() -> None:
    lines = field_lines(DOC)
    assert lines["title"] == 2
    assert lines["multi"] == 3
    assert lines["literal"] == 7
    assert lines["quoted.key"] == 10
    assert lines["dotted.inner"] == 11
    assert "not.a.table" not in lines
    assert "nor.this" not in lines
    assert "line" not in lines


def test_tables_and_nested_tables() -> None:
    lines = field_lines(DOC)
    assert lines["server"] == 13
    assert lines["server.host"] == 14
    assert lines["server.port"] == 15
    assert lines["server.tls"] == 17
    assert lines["server.tls.enabled"] == 18


def test_arrays_of_tables_and_their_sub_tables() -> None:
    lines = field_lines(DOC)
    assert lines["users"] == 20
    assert lines["users[0]"] == 20
    assert lines["users[0].name"] == 21
    assert lines["users[0].attrs.first"] == 22
    assert lines["users[0].attrs.nested.deep"] == 22
    assert lines["users[0].extra.note"] == 25
    assert lines["users[1]"] == 27
    assert lines["users[1].name"] == 28
    assert lines["users[1].keys[0].kid"] == 36
    assert lines["users[1].keys[1].kid"] == 39
    assert lines["users[1].keys[1].when"] == 40
    assert lines["users[1].keys[1].escaped"] == 41


def test_array_elements_on_their_own_lines() -> None:
    lines = field_lines(DOC)
    assert lines["users[1].roles"] == 29
    assert lines["users[1].roles[0]"] == 30
    assert lines["users[1].roles[1]"] == 31
    assert lines["users[1].roles[2].kind"] == 32


def test_line_for_falls_back_to_the_nearest_parent() -> None:
    lines = field_lines(DOC)
    assert line_for(lines, "users[1].roles[1]") == 31
    assert line_for(lines, "users[1].missing") == 27
    assert line_for(lines, "server.tls.missing.deeper") == 17
    assert line_for(lines, "absent") is None
    assert line_for(lines, "") is None


def test_crlf_line_endings() -> None:
    lines = field_lines(DOC.replace("\n", "\r\n"))
    assert lines["server.port"] == 15
    assert lines["users[1].keys[1].kid"] == 39


def test_unexpected_text_gives_partial_results_not_an_exception() -> None:
    lines = field_lines('a = 1\nb = "unterminated\n')
    assert lines["a"] == 1


TRIPLE_DQ = '"' * 3
TRIPLE_SQ = "'" * 3
UNUSUAL = "\n".join(
    [
        "a = +inf",
        "b = 1_000",
        "c = 0x1F",
        "d = 1979-05-27 07:32:00",
        "e = []",
        "f = {}",
        "g = [[1, 2], [3]]",
        "[ h . i ]",
        "j = 'x'",
        "[[ k ]]",
        f"l = {TRIPLE_DQ}a\\",
        f"  b{TRIPLE_DQ}",
        f"m = {TRIPLE_SQ}it's{TRIPLE_SQ}",
        "",
    ]
)


def test_unusual_but_valid_toml_is_scanned() -> None:
    tomllib.loads(UNUSUAL)
    lines = field_lines(UNUSUAL)
    assert [lines[k] for k in ("a", "b", "c", "d", "e", "f", "g")] == [1, 2, 3, 4, 5, 6, 7]
    assert lines["g[1]"] == 7
    assert lines["h.i.j"] == 9
    assert lines["k[0].l"] == 11
    assert lines["k[0].m"] == 13
