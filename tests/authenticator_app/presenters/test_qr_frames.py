"""Decoding camera pictures: real QR codes (segno) in raw pixels, as a camera delivers them."""

from __future__ import annotations

import pytest

from authenticator_app.presenters.add_account import is_account_link
from authenticator_app.presenters.errors import AppInputError
from authenticator_app.presenters.qr_frames import Frame, decode_frame
from tests.authenticator_app.factories import RFC_SECRET
from tests.authenticator_app.qr_pictures import frame_of, scene

TOTP_URI = f"otpauth://totp/Universit%C3%A9:c.martin?secret={RFC_SECRET}&issuer=Universit%C3%A9"


@pytest.mark.parametrize("pixel_format", ["rgba", "rgb", "luminance"])
@pytest.mark.parametrize("bottom_up", [False, True], ids=["top-down", "bottom-up"])
def test_every_pixel_layout(pixel_format: str, bottom_up: bool) -> None:
    frame = frame_of(scene(TOTP_URI), pixel_format, bottom_up=bottom_up)  # type: ignore[arg-type]
    assert decode_frame(frame) == [TOTP_URI]


@pytest.mark.parametrize(
    "picture",
    [
        pytest.param({"rotate": 30}, id="rotated-30"),
        pytest.param({"rotate": 90}, id="rotated-90"),
        pytest.param({"rotate": 205}, id="upside-down"),
        pytest.param({"mirror": True}, id="front-camera-mirror"),
        pytest.param({"contrast": (96, 128)}, id="low-contrast"),
        pytest.param({"contrast": (20, 60)}, id="dark-room"),
        pytest.param({"blur": 1.5}, id="slightly-out-of-focus"),
    ],
)
def test_pictures_a_phone_takes(picture: dict[str, object]) -> None:
    assert decode_frame(frame_of(scene(TOTP_URI, **picture))) == [TOTP_URI]  # type: ignore[arg-type]


def test_no_code_in_view_is_an_empty_list() -> None:
    assert decode_frame(frame_of(scene())) == []


def test_a_code_too_faint_or_blurred_to_read_is_not_guessed() -> None:
    assert decode_frame(frame_of(scene(TOTP_URI, contrast=(120, 124)))) == []
    assert decode_frame(frame_of(scene(TOTP_URI, blur=12))) == []


def test_every_code_in_view_left_to_right() -> None:
    texts = decode_frame(frame_of(scene("https://example.org/menu", TOTP_URI)))
    assert sorted(texts) == sorted(["https://example.org/menu", TOTP_URI])


def test_a_binary_code_reads_as_latin_1_text_which_is_no_account_link() -> None:
    (text,) = decode_frame(frame_of(scene(b"\xff\xfe\x00\x81binary")))
    assert text == "\xff\xfe\x00\x81binary"  # libzbar's ISO-8859-1 reading of byte mode
    assert not is_account_link(text)


@pytest.mark.parametrize(
    ("width", "height", "size"),
    [(640, 480, 640 * 480 * 4 - 1), (0, 480, 0), (640, -1, 0), (10, 10, 10 * 10 * 3)],
)
def test_pixels_that_do_not_match_the_size_are_refused(width: int, height: int, size: int) -> None:
    frame = Frame(width=width, height=height, pixels=bytes(size), format="rgba")
    with pytest.raises(AppInputError) as raised:
        decode_frame(frame)
    assert raised.value.code == "camera_frame_invalid"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (TOTP_URI, True),
        ("  OTPAUTH://HOTP/x?secret=AAAA  ", True),
        ("otpauth://pipush/PIPU0001?url=https://pi.example/ttype/push", True),
        ("otpauth-migration://offline?data=AAAA", True),
        ("otpauth://idp-push/enroll?x=1", True),
        ("https://example.org/otpauth://totp/", False),
        ("WIFI:S:cafe;T:WPA;P:secret;;", False),
        ("", False),
    ],
)
def test_which_codes_are_account_links(text: str, expected: bool) -> None:
    assert is_account_link(text) is expected
