from __future__ import annotations

import pytest

from authenticator_app.core.errors import IdpResponseInvalid
from authenticator_app.core.sse import MAX_LINE, SseComment, SseEvent, SseParser


def feed_all(parser: SseParser, *chunks: bytes) -> list[SseEvent | SseComment]:
    return [item for chunk in chunks for item in parser.feed(chunk)]


def test_events_and_comments() -> None:
    parser = SseParser()
    items = feed_all(parser, b'retry: 2000\n: connected\n\nevent: hint\ndata: {"a": 1}\n\n')
    assert items == [SseComment("connected"), SseEvent("hint", '{"a": 1}')]
    assert parser.retry_ms == 2000


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_line_endings(newline: bytes) -> None:
    text = b"event: hint" + newline + b"data: x" + newline + newline
    assert feed_all(SseParser(), text) == [SseEvent("hint", "x")]


def test_split_anywhere_even_inside_crlf_and_utf8() -> None:
    whole = "\ufeffevent: hint\r\ndata: é\r\ndata: second\r\n\r\n: ping\r\n".encode()
    for cut in range(1, len(whole)):
        parser = SseParser()
        assert feed_all(parser, whole[:cut], whole[cut:]) == [
            SseEvent("hint", "é\nsecond"),
            SseComment("ping"),
        ], cut


def test_default_event_type_id_and_ignored_fields() -> None:
    items = feed_all(SseParser(), b"id: 7\nfoo: bar\ndata\ndata:x\n\nevent: lone\n\n")
    assert items == [SseEvent("message", "\nx", id="7")]


def test_an_endless_line_is_refused() -> None:
    parser = SseParser()
    with pytest.raises(IdpResponseInvalid):
        parser.feed(b"data: " + b"x" * (MAX_LINE + 1))
