"""JWS compact serialization (RFC 7515 §7.1), split and decoded strictly, nothing verified.

``header.payload.signature``, each canonical unpadded base64url; the header and the payload are
JSON objects (see :mod:`shared.strict_json`). The size is capped before any work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from shared.base64url import b64url_decode
from shared.errors import MessageMalformed, MessageTooLarge
from shared.strict_json import loads_object

__all__ = ["MAX_TOKEN_BYTES", "CompactJws", "split_compact"]

MAX_TOKEN_BYTES: Final = 16 * 1024


@dataclass(frozen=True, slots=True)
class CompactJws:
    """The decoded parts of a compact JWS. The payload is left as bytes: decode it only after
    the signature verified (:meth:`claims`)."""

    header: dict[str, Any]
    payload: bytes
    signature: bytes
    signing_input: bytes

    def claims(self) -> dict[str, Any]:
        """The payload as a JSON object (:class:`MessageMalformed` if it is not one)."""
        return loads_object(self.payload, what="JWS payload", max_bytes=MAX_TOKEN_BYTES)


def _segment(text: str, name: str) -> bytes:
    try:
        return b64url_decode(text)
    except ValueError as exc:
        raise MessageMalformed(f"JWS {name} segment: {exc}") from None


def split_compact(token: str) -> CompactJws:
    """Split and decode a compact JWS; :class:`MessageTooLarge` / :class:`MessageMalformed`."""
    if not isinstance(token, str):
        raise MessageMalformed("a JWS is text")
    if len(token) > MAX_TOKEN_BYTES:
        raise MessageTooLarge(f"a JWS has at most {MAX_TOKEN_BYTES} bytes")
    if not token.isascii():
        raise MessageMalformed("a compact JWS is ASCII")
    segments = token.split(".")
    if len(segments) != 3:  # header.payload.signature
        raise MessageMalformed(f"a compact JWS has 3 segments, not {len(segments)}")
    header_text, payload_text, signature_text = segments
    if not header_text:
        raise MessageMalformed("empty JWS header segment")
    header = loads_object(_segment(header_text, "header"), what="JWS header")
    return CompactJws(
        header=header,
        payload=_segment(payload_text, "payload"),
        signature=_segment(signature_text, "signature"),
        signing_input=f"{header_text}.{payload_text}".encode("ascii"),
    )
