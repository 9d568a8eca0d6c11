"""Read the account link in a QR code from an image file (Pillow + pyzbar/libzbar).

Both libraries are imported when a file is read, so the app still starts (and its other ways to
add an account still work) where libzbar is missing; that case is ``qr_reader_unavailable``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from authenticator_app.presenters.errors import AppInputError

__all__ = ["read_qr_codes"]


def _decoder() -> Any:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # OSError: libzbar itself is missing
        raise AppInputError("qr_reader_unavailable", str(exc)) from None
    return pyzbar


def read_qr_codes(path: Path) -> list[str]:
    """The text of every QR code in the image at ``path`` (top to bottom)."""
    decoder = _decoder()
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:
        raise AppInputError("qr_reader_unavailable", str(exc)) from None
    try:
        with Image.open(path) as image:
            image.load()
            symbols = decoder.decode(image.convert("L"))
    except FileNotFoundError:
        raise AppInputError("file_missing", str(path)) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise AppInputError("qr_unreadable", type(exc).__name__) from None
    texts: list[str] = []
    for symbol in sorted(symbols, key=lambda s: (s.rect.top, s.rect.left)):
        if symbol.type != "QRCODE":
            continue
        try:
            texts.append(symbol.data.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return texts
