"""Read QR codes in camera frames (raw pixels) with Pillow + pyzbar/libzbar.

A camera hands over raw pixels, not a file: :class:`Frame` says their size, layout and row
order, and :func:`decode_frame` returns the text of every QR code in it. libzbar reads codes
at any rotation, mirrored (a front camera) and at low contrast, so one pass over the grey image
is enough. Like :mod:`~authenticator_app.presenters.qr_image`, the libraries are imported when
a frame is read, so the app starts without them (``qr_reader_unavailable``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from authenticator_app.presenters.errors import AppInputError

__all__ = ["BYTES_PER_PIXEL", "Frame", "PixelFormat", "decode_frame", "decoder", "symbol_texts"]

PixelFormat = Literal["rgba", "rgb", "luminance"]
BYTES_PER_PIXEL: Final = {"rgba": 4, "rgb": 3, "luminance": 1}
_PIL_MODES: Final = {"rgba": "RGBA", "rgb": "RGB", "luminance": "L"}


@dataclass(frozen=True, slots=True)
class Frame:
    """One picture from a camera: ``width`` x ``height`` pixels, row by row."""

    width: int
    height: int
    pixels: bytes = field(repr=False)
    format: PixelFormat = "rgba"
    bottom_up: bool = False
    """The first row is the bottom of the picture (an OpenGL texture's order, as Kivy's)."""


def decoder() -> Any:
    """pyzbar's module (:class:`AppInputError` ``qr_reader_unavailable`` without libzbar)."""
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # OSError: libzbar itself is missing
        raise AppInputError("qr_reader_unavailable", str(exc)) from None
    return pyzbar


def symbol_texts(symbols: Iterable[Any]) -> list[str]:
    """The UTF-8 text of every QR code among pyzbar's symbols, top to bottom.

    A code whose bytes are not UTF-8 text cannot be an account link; it is skipped.
    """
    texts: list[str] = []
    for symbol in sorted(symbols, key=lambda s: (s.rect.top, s.rect.left)):
        if symbol.type != "QRCODE":
            continue
        try:
            texts.append(symbol.data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return texts


def decode_frame(frame: Frame) -> list[str]:
    """The text of every QR code in ``frame`` (an empty list when there is none).

    :class:`AppInputError` ``camera_frame_invalid`` when the pixels do not match the size and
    format (a camera driver bug, not the user's doing).
    """
    expected = frame.width * frame.height * BYTES_PER_PIXEL[frame.format]
    if frame.width <= 0 or frame.height <= 0 or len(frame.pixels) != expected:
        raise AppInputError(
            "camera_frame_invalid",
            f"{frame.width}x{frame.height} {frame.format}: {len(frame.pixels)} bytes",
        )
    zbar = decoder()
    try:
        from PIL import Image, ImageOps
    except ImportError as exc:
        raise AppInputError("qr_reader_unavailable", str(exc)) from None
    image = Image.frombytes(_PIL_MODES[frame.format], (frame.width, frame.height), frame.pixels)
    if frame.bottom_up:
        image = ImageOps.flip(image)
    return symbol_texts(zbar.decode(image.convert("L")))
