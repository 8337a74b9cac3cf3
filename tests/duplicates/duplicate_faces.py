"""Real descriptors for duplicate-search tests, made from photos of the shared face set.

A gallery is built as enrolment builds it: the chip photo's descriptor (a 102x126 crop)
followed by descriptors of camera frames (the photo inside a 640x480 frame with faint
sensor noise, JPEG). A person enrolling twice shows the same face to both terminals, so
both galleries hold frames of that person, while each chip photo is of its card's holder.
"""
import functools
import io
from pathlib import Path

import numpy as np
from PIL import Image

from aidface.face.decode import decode_image
from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.detect import find_face

CHIP_SIZE = (102, 126)
FRAME_SIZE = (640, 480)


def chip_photo(path: Path) -> bytes:
    """Crop head and shoulders around the face to 102x126 pixels, as JPEG."""
    image = Image.open(path).convert("RGB")
    left, top, right, bottom = find_face(decode_image(path.read_bytes())).box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    width = (right - left) * 1.9
    height = width * CHIP_SIZE[1] / CHIP_SIZE[0]
    box = (round(centre_x - width / 2), round(centre_y - height / 2), round(centre_x + width / 2), round(centre_y + height / 2))
    output = io.BytesIO()
    image.crop(box).resize(CHIP_SIZE, Image.Resampling.LANCZOS).save(output, "JPEG", quality=90)
    return output.getvalue()


def camera_frame(path: Path, *, seed: int) -> bytes:
    """Place the photo in a 640x480 frame with faint noise, so each frame's bytes differ."""
    photo = Image.open(path).convert("RGB")
    photo.thumbnail(FRAME_SIZE)
    frame = Image.new("RGB", FRAME_SIZE, (90, 90, 90))
    frame.paste(photo, ((FRAME_SIZE[0] - photo.width) // 2, (FRAME_SIZE[1] - photo.height) // 2))
    pixels = np.asarray(frame, dtype=np.int16)
    noise = np.random.default_rng(seed).integers(-3, 4, pixels.shape)
    output = io.BytesIO()
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(output, "JPEG", quality=88)
    return output.getvalue()


@functools.cache
def describe(data: bytes) -> np.ndarray:
    return DEFAULT_MODEL.describe(find_face(decode_image(data)))


def gallery(*, chip: Path, frames: list[Path], seed: int = 1) -> np.ndarray:
    """Return the descriptors of a gallery: the chip photo first, then one camera frame per path."""
    rows = [describe(chip_photo(chip))]
    rows += [describe(camera_frame(path, seed=seed + number)) for number, path in enumerate(frames)]
    return np.stack(rows).astype(np.float32)
