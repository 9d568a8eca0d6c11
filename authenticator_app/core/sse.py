"""An incremental parser of ``text/event-stream`` (the WHATWG server-sent events format).

Feed it bytes as they arrive; it returns complete events and comments (the IdP's ``: ping``
heartbeats). Lines end with CRLF, LF or CR (a CRLF split across chunks counts once);
the text is UTF-8 (a BOM at the start is dropped). ``retry:`` sets :attr:`SseParser.retry_ms`.
A line longer than :data:`MAX_LINE` is refused with :class:`IdpResponseInvalid`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Final

from authenticator_app.core.errors import IdpResponseInvalid

__all__ = ["MAX_LINE", "SseComment", "SseEvent", "SseParser"]

MAX_LINE: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class SseEvent:
    event: str
    data: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class SseComment:
    text: str


class SseParser:
    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._started = False
        self._after_cr = False
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self.last_event_id: str | None = None
        self.retry_ms: int | None = None

    def feed(self, chunk: bytes) -> list[SseEvent | SseComment]:
        """Parse ``chunk``; every event and comment completed by it, in order."""
        text = self._decoder.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        self._buffer += text
        out: list[SseEvent | SseComment] = []
        while True:
            line = self._next_line()
            if line is None:
                break
            item = self._line(line)
            if item is not None:
                out.append(item)
        if len(self._buffer) > MAX_LINE:
            raise IdpResponseInvalid("an event-stream line is too long")
        return out

    def _next_line(self) -> str | None:
        buffer = self._buffer
        if not buffer:
            return None
        if self._after_cr and buffer.startswith("\n"):
            buffer = buffer[1:]  # the LF of a CRLF split across chunks
        self._after_cr = False
        lf, cr = buffer.find("\n"), buffer.find("\r")
        if lf < 0 and cr < 0:
            self._buffer = buffer
            return None
        if cr >= 0 and (lf < 0 or cr < lf):
            if cr + 1 < len(buffer) and buffer[cr + 1] == "\n":
                line, self._buffer = buffer[:cr], buffer[cr + 2 :]
            else:
                line, self._buffer = buffer[:cr], buffer[cr + 1 :]
                self._after_cr = True  # a LF arriving next belongs to this line end
            return line
        line, self._buffer = buffer[:lf], buffer[lf + 1 :]
        return line

    def _line(self, line: str) -> SseEvent | SseComment | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return SseComment(line[1:].strip())
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            self._event = value
        elif field == "data":
            self._data.append(value)
        elif field == "id" and "\x00" not in value:
            self._id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self.retry_ms = int(value)
        return None  # other fields are ignored, per the specification

    def _dispatch(self) -> SseEvent | None:
        if self._id is not None:
            self.last_event_id = self._id
        data, event, self._data, self._event, self._id = self._data, self._event, [], "", None
        if not data:
            return None
        return SseEvent(event=event or "message", data="\n".join(data), id=self.last_event_id)
