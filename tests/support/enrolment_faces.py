"""Real-photo material for enrolment tests: chip photos, camera frames and card data.

One identity with photos at different head yaw plays the person at the terminal:
frontal, turned to their own left and turned to their right. Their yaw in a 640×480
camera frame, measured with the 68-point landmarks, is -3.5, 39.4 and -35.5 degrees. Another
photo of the same identity, cropped to 102×126 like an ID-card chip photo, is the chip
photo. The enrolment tests pass only while its distance to the live frames stays under
ENROLMENT_THRESHOLD in aidface.face.thresholds.
"""
import base64
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from aidface.face.decode import decode_image
from aidface.face.detect import find_face
from aidface.face.liveness import Frame

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHIP_SIZE = (102, 126)
FRAME_SIZE = (640, 480)
FRAME_INTERVAL_MS = 200


@dataclass(frozen=True)
class Person:
    frontal: Path
    left: Path
    right: Path
    chip_source: Path


def person(faces_dir: Path) -> Person:
    folder = faces_dir / "asian" / "gallery" / "cnceleb_103"
    return Person(frontal=folder / "4.jpg", left=folder / "3.jpg", right=folder / "2.jpg", chip_source=folder / "1.jpg")


def other_person_chip_source(faces_dir: Path) -> Path:
    """Another East Asian man (dlib distance 0.63 to the person's frontal frame)."""
    return faces_dir / "asian" / "gallery" / "lfw_Hu_Jintao" / "1.jpg"


def id_number(region: str = "410181", birth: str = "20080315", sequence: str = "123") -> str:
    """Build a valid ID number, computing the check character independently of the app."""
    first_17 = region + birth + sequence
    remainder = sum(int(digit) * weight for digit, weight in zip(first_17, WEIGHTS)) % 11
    return first_17 + "10X98765432"[remainder]


def chip_photo(path: Path, *, image_format: str = "BMP") -> bytes:
    """Crop head and shoulders around the face to the chip photo's 102×126 pixels."""
    image = Image.open(path).convert("RGB")
    left, top, right, bottom = find_face(decode_image(path.read_bytes())).box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    width = (right - left) * 1.9
    height = width * CHIP_SIZE[1] / CHIP_SIZE[0]
    shift = 0.08 * height
    box = (
        round(centre_x - width / 2),
        round(centre_y - height / 2 + shift),
        round(centre_x + width / 2),
        round(centre_y + height / 2 + shift),
    )
    chip = image.crop(box).resize(CHIP_SIZE, Image.Resampling.LANCZOS)
    output = io.BytesIO()
    chip.save(output, image_format)
    return output.getvalue()


def camera_frame(path: Path, *, seed: int) -> bytes:
    """Place a photo in a 640×480 camera frame with faint sensor noise, as JPEG.

    The noise makes every frame's bytes differ, as a real camera's frames do.
    """
    photo = Image.open(path).convert("RGB")
    photo.thumbnail(FRAME_SIZE)
    frame = Image.new("RGB", FRAME_SIZE)
    frame.paste(photo, ((FRAME_SIZE[0] - photo.width) // 2, (FRAME_SIZE[1] - photo.height) // 2))
    pixels = np.asarray(frame, dtype=np.int16)
    noise = np.random.default_rng(seed).integers(-2, 3, size=pixels.shape)
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    output = io.BytesIO()
    noisy.save(output, "JPEG", quality=90)
    return output.getvalue()


def turn_frames(who: Person, *, start_ms: float = 0.0) -> list[Frame]:
    """Frames of the person facing the camera, turning left, back, right, back, left again.

    Both orders of the two turns appear, so the frames pass any challenge of the two turns.
    """
    pattern = ["frontal"] * 4 + ["left"] * 3 + ["frontal"] * 3 + ["right"] * 3 + ["frontal"] * 3 + ["left"] * 3 + ["frontal"] * 2
    frames = []
    for index, pose in enumerate(pattern):
        data = camera_frame(getattr(who, pose), seed=index)
        frames.append(Frame(data=data, captured_ms=start_ms + index * FRAME_INTERVAL_MS))
    return frames


def card_data(
    *,
    name: str,
    id_value: str,
    photo: bytes,
    valid_until: str = "2031-09-01",
    birth_date: str | None = None,
) -> dict:
    """The reader service's JSON for a card."""
    birth = birth_date or f"{id_value[6:10]}-{id_value[10:12]}-{id_value[12:14]}"
    return {
        "name": name,
        "id_number": id_value,
        "sex": "男" if int(id_value[16]) % 2 else "女",
        "ethnicity": "汉",
        "birth_date": birth,
        "address": "河南省巩义市杜甫路1号",
        "issuing_authority": "巩义市公安局",
        "valid_from": "2021-09-01",
        "valid_until": valid_until,
        "photo": base64.b64encode(photo).decode("ascii"),
    }
