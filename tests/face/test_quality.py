"""Quality gates on real photos and frames, and on real photos made blurred, dark or small."""
import subprocess

import numpy as np
import pytest
from PIL import Image, ImageFilter, ImageSequence

from aidface.face.decode import decode_image
from aidface.face.detect import find_face
from aidface.face.errors import FaceError
from aidface.face.quality import assess_quality, require_quality
from face_files import encode, jpeg_bytes


def _codes(image: Image.Image) -> list[str]:
    report = assess_quality(find_face(decode_image(jpeg_bytes(image))))
    return [issue.code for issue in report.issues]


def _scaled_pixels(image: Image.Image, transform) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float64)
    return Image.fromarray(np.clip(transform(pixels), 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def turn_frames(faces_dir) -> list[Image.Image]:
    with Image.open(faces_dir / "liveness" / "head_turn_annotated.gif") as clip:
        return [frame.convert("RGB") for frame in ImageSequence.Iterator(clip)]


@pytest.fixture(scope="module")
def blink_frame(faces_dir, tmp_path_factory):
    """Return a function that extracts frame n of the blink selfie clip with ffmpeg."""
    folder = tmp_path_factory.mktemp("blink")

    def extract(number: int) -> Image.Image:
        path = folder / f"{number}.png"
        clip = faces_dir / "liveness" / "blink_selfie_14s.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-i", str(clip), "-vf", f"select=eq(n\\,{number})", "-vsync", "0", "-frames:v", "1", str(path)],
            check=True,
        )
        with Image.open(path) as frame:
            return frame.convert("RGB")

    return extract


def test_sharp_frontal_photo_passes(portrait):
    assert _codes(portrait) == []


def test_blurred_photo_blurry(portrait):
    assert "blurry" in _codes(portrait.filter(ImageFilter.GaussianBlur(4)))


def test_dark_photo_too_dark(portrait):
    assert "too_dark" in _codes(_scaled_pixels(portrait, lambda pixels: pixels * 0.25))


def test_bright_photo_overexposed(portrait):
    assert "overexposed" in _codes(_scaled_pixels(portrait, lambda pixels: 255 - (255 - pixels) * 0.2))


def test_small_face_too_small(portrait):
    small = portrait.resize((portrait.width // 3, portrait.height // 3), Image.Resampling.LANCZOS)
    assert "face_too_small" in _codes(small)


def test_turned_head_rejected(turn_frames):
    """Frame 11 of the head-turn clip shows the head turned about 50 degrees."""
    assert "head_turned" in _codes(turn_frames[11])


def test_slightly_turned_head_passes(turn_frames):
    assert "head_turned" not in _codes(turn_frames[45])


def test_shut_eyes_rejected(blink_frame):
    assert "eyes_closed" in _codes(blink_frame(240))


def test_open_eyes_pass(blink_frame):
    assert _codes(blink_frame(30)) == []


def test_require_quality_raises_advice(portrait):
    dark = _scaled_pixels(portrait, lambda pixels: pixels * 0.25)
    with pytest.raises(FaceError) as raised:
        require_quality(find_face(decode_image(encode(dark, "PNG"))))
    assert raised.value.code == "too_dark"
    assert "光线太暗" in raised.value.message


def test_report_measures_units(portrait):
    report = require_quality(find_face(decode_image(jpeg_bytes(portrait))))
    assert 40 < report.interocular_px < 120
    assert abs(report.yaw_deg) < 15
    assert report.passed
