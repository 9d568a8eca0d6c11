"""Captcha challenges: an image of letters and digits, or an audio alternative (digits).

The answer lives only in the server-side flow state; every attempt, right or wrong, and every
"new image" replaces it, so an answer is single use. Comparison is case-insensitive.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from captcha.audio import AudioCaptcha
from captcha.image import ImageCaptcha

__all__ = ["IMAGE_ALPHABET", "audio_wav", "image_png", "new_answer"]

# No 0/O, 1/I/L: characters a person can tell apart in a distorted image.
IMAGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
AUDIO_ALPHABET = "0123456789"  # the voices the captcha package ships


def new_answer(length: int, *, audio: bool, rng: random.Random, config: Mapping[str, Any]) -> str:
    fixed = config.get("TEST_CAPTCHA_ANSWER") if config.get("TEST_MODE") else None
    if fixed:
        return str(fixed)
    alphabet = AUDIO_ALPHABET if audio else IMAGE_ALPHABET
    return "".join(rng.choice(alphabet) for _ in range(length))


def image_png(answer: str) -> bytes:
    return ImageCaptcha(width=280, height=90).generate(answer, format="png").getvalue()


def audio_wav(answer: str) -> bytes:
    digits = "".join(c for c in answer if c.isdigit()) or "0"
    return bytes(AudioCaptcha().generate(digits))
