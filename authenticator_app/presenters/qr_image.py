"""Read the account link in a QR code from an image file (Pillow + pyzbar/libzbar).

Both libraries are imported when a file is read, so the app still starts (and its other ways to
add an account still work) where libzbar is missing; that case is ``qr_reader_unavailable``.
"""

from __future__ import annotations

from pathlib import Path

from authenticator_app.presenters.errors import AppInputError
from authenticator_app.presenters.qr_frames import decoder, symbol_texts

__all__ = ["read_qr_codes"]


def read_qr_codes(path: Path) -> list[str]:
    """The text of every QR code in the image at ``path`` (top to bottom)."""
    zbar = decoder()
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError as exc:
        raise AppInputError("qr_reader_unavailable", str(exc)) from None
    try:
        with Image.open(path) as image:
            image.load()
            symbols = zbar.decode(image.convert("L"))
    except FileNotFoundError:
        raise AppInputError("file_missing", str(path)) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise AppInputError("qr_unreadable", type(exc).__name__) from None
    return symbol_texts(symbols)
