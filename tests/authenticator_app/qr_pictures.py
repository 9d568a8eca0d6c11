"""Camera-like pictures of real QR codes, made with segno at test time: a code pasted on a grey
scene, optionally rotated, mirrored (a front camera), dimmed to low contrast or blurred; and
their raw pixels as a camera hands them over."""

from __future__ import annotations

import io
from typing import Any

import segno

from authenticator_app.presenters.qr_frames import Frame, PixelFormat

__all__ = ["frame_of", "qr_image", "scene"]

SCENE_SIZE = (640, 480)


def qr_image(text: str | bytes, *, scale: int = 6) -> Any:
    """The QR code of ``text`` as a Pillow image (``L``), quiet zone included."""
    from PIL import Image

    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def scene(
    *texts: str | bytes,
    rotate: float = 0,
    mirror: bool = False,
    contrast: tuple[int, int] = (0, 255),
    blur: float = 0,
    size: tuple[int, int] = SCENE_SIZE,
) -> Any:
    """A camera-sized grey picture with the codes side by side (``contrast``: the darkest and
    lightest grey of the picture)."""
    from PIL import Image, ImageFilter, ImageOps

    picture = Image.new("L", size, 190)
    width = size[0] // max(len(texts), 1)
    for index, text in enumerate(texts):
        code = qr_image(text)
        side = min(width - 20, size[1] - 40)
        code = code.resize((side, side), Image.Resampling.NEAREST)
        if rotate:
            code = code.rotate(rotate, expand=True, fillcolor=255)
            code.thumbnail((width - 10, size[1] - 10))
        picture.paste(
            code,
            (index * width + (width - code.width) // 2, (size[1] - code.height) // 2),
        )
    if mirror:
        picture = ImageOps.mirror(picture)
    low, high = contrast
    picture = picture.point(lambda value: low + value * (high - low) // 255)
    if blur:
        picture = picture.filter(ImageFilter.GaussianBlur(blur))
    return picture


def frame_of(picture: Any, pixel_format: PixelFormat = "rgba", *, bottom_up: bool = False) -> Frame:
    """``picture``'s raw pixels as a camera gives them (rows bottom first when ``bottom_up``)."""
    from PIL import ImageOps

    mode = {"rgba": "RGBA", "rgb": "RGB", "luminance": "L"}[pixel_format]
    rows = ImageOps.flip(picture) if bottom_up else picture
    return Frame(
        width=picture.width,
        height=picture.height,
        pixels=rows.convert(mode).tobytes(),
        format=pixel_format,
        bottom_up=bottom_up,
    )
