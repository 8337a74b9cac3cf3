"""Real-photo people for `aidface simulate_semester`: ID-card chip photos and liveness frames.

Every simulated student is one identity of the face photo folder (`asian/gallery/*` and
`gallery/*`). Still photos cannot blink or open the mouth, so the simulated province's
policy allows only the two turns, and a person qualifies only with photos at suitable
head yaw, measured with the same landmark code as the liveness check:

- a frontal gallery photo (the ID-card chip and the enrolment capture),
- a photo turned far enough to one side; its mirror image is the turn to the other side,
- for a student who checks in, another frontal photo (the check-in capture), close enough
  to the gallery photo that a genuine check-in passes CHECK_IN_THRESHOLD.

People are tried in an order shuffled by the seed, so a run is repeatable.
"""
from __future__ import annotations

import io
import logging
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.errors import FaceError
from aidface.face.liveness import Frame
from aidface.face.liveness_actions import TURN_MIN_CHANGE_DEG
from aidface.face.liveness_frames import analyse_frames
from aidface.face.thresholds import CHECK_IN_THRESHOLD
from aidface.face.verify import describe

logger = logging.getLogger(__name__)

FRAME_SIZE = (640, 480)
CHIP_SIZE = (102, 126)
FRAME_INTERVAL_MS = 200
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
# Head yaw (degrees) up to which a photo counts as facing the camera.
FRONTAL_MAX_YAW = 15.0
# A turned photo must differ from both frontal photos by the liveness turn plus this margin.
TURN_MARGIN_DEG = 3.0
# Noise seeds of the extra frames on which a turn photo is measured again.
NOISE_SEEDS = (101, 202, 303)
# Genuine pairs must stay this far inside the check-in threshold, and impostors this far outside.
DISTANCE_MARGIN = 0.02
# Facing, facing, facing, own left, facing, own right, facing, own left: both orders of the
# two turns appear after a frontal baseline, so the frames pass either turn challenge.
POSE_PATTERN = ("front", "front", "front", "left", "front", "right", "front", "left")


@dataclass(frozen=True)
class Person:
    """One identity with the three photos the simulation needs and their descriptors."""

    folder: Path
    gallery_photo: Path
    # None when no other photo is close enough to the gallery photo for a genuine check-in.
    capture_photo: Path | None
    # (photo, mirrored) shown for the person's own left and right turn.
    left_turn: tuple[Path, bool]
    right_turn: tuple[Path, bool]
    gallery_descriptor: np.ndarray
    capture_descriptor: np.ndarray | None

    @property
    def name(self) -> str:
        return self.folder.name


def camera_frame(path: Path, *, seed: int, mirror: bool = False) -> bytes:
    """Place a photo in a 640×480 camera frame with faint sensor noise, as JPEG; the noise makes each frame's bytes differ."""
    photo = Image.open(path).convert("RGB")
    if mirror:
        photo = ImageOps.mirror(photo)
    photo.thumbnail(FRAME_SIZE)
    frame = Image.new("RGB", FRAME_SIZE)
    frame.paste(photo, ((FRAME_SIZE[0] - photo.width) // 2, (FRAME_SIZE[1] - photo.height) // 2))
    pixels = np.asarray(frame, dtype=np.int16)
    noise = np.random.default_rng(seed).integers(-2, 3, size=pixels.shape)
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    output = io.BytesIO()
    noisy.save(output, "JPEG", quality=90)
    return output.getvalue()


def chip_photo(path: Path) -> bytes:
    """Crop head and shoulders around the face to the ID-card chip's 102×126 pixels, as BMP."""
    from aidface.face.decode import decode_image
    from aidface.face.detect import find_face

    image = Image.open(path).convert("RGB")
    left, top, right, bottom = find_face(decode_image(path.read_bytes())).box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
    width = (right - left) * 1.9
    height = width * CHIP_SIZE[1] / CHIP_SIZE[0]
    shift = 0.08 * height
    box = (round(centre_x - width / 2), round(centre_y - height / 2 + shift),
           round(centre_x + width / 2), round(centre_y + height / 2 + shift))
    output = io.BytesIO()
    image.crop(box).resize(CHIP_SIZE, Image.Resampling.LANCZOS).save(output, "BMP")
    return output.getvalue()


def turn_frames(person: Person, *, frontal: Path, seed: int) -> list[Frame]:
    """Frames of the person facing the camera and turning both ways (POSE_PATTERN), with fresh noise per call."""
    frames = []
    for index, pose in enumerate(POSE_PATTERN):
        if pose == "front":
            data = camera_frame(frontal, seed=seed * 100 + index)
        else:
            path, mirror = person.left_turn if pose == "left" else person.right_turn
            data = camera_frame(path, seed=seed * 100 + index, mirror=mirror)
        frames.append(Frame(data=data, captured_ms=float(index * FRAME_INTERVAL_MS)))
    return frames


def identity_folders(faces_dir: Path) -> list[Path]:
    """Identity folders with at least two photos, from both photo sets."""
    folders = []
    for parent in (faces_dir / "asian" / "gallery", faces_dir / "gallery"):
        if not parent.is_dir():
            continue
        for folder in sorted(parent.iterdir()):
            if folder.is_dir() and len(_photos(folder)) >= 2:
                folders.append(folder)
    return folders


def _photos(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in PHOTO_SUFFIXES)


def _yaw(path: Path, *, mirror: bool = False) -> float | None:
    """Return the head yaw of a photo with exactly one usable face, measured as the liveness check measures frames."""
    analysis = analyse_frames([camera_frame(path, seed=0, mirror=mirror)])
    face = analysis.faces[0] if analysis.faces else None
    if analysis.error is None and face is not None:
        return face.measures.yaw_deg
    return None


def _noisy_yaws(path: Path, mirror: bool) -> list[float]:
    """Yaw of the photo in frames with different noise; a frame without a usable face counts as no turn at all."""
    values = []
    for seed in NOISE_SEEDS:
        analysis = analyse_frames([camera_frame(path, seed=seed, mirror=mirror)])
        face = analysis.faces[0] if analysis.faces else None
        values.append(face.measures.yaw_deg if analysis.error is None and face is not None else 0.0)
    return values


def _yaws(photos: list[Path]) -> dict[Path, float]:
    return {path: yaw for path in photos if (yaw := _yaw(path)) is not None}


def _descriptor(path: Path) -> np.ndarray | None:
    try:
        return describe(camera_frame(path, seed=0), check_quality=False).descriptor
    except FaceError:
        return None


def qualify(folder: Path) -> Person | None:
    """Return the identity as a simulation Person, or None when its photos lack the poses needed to enrol.

    The Person has a `capture_photo` only when another photo is close enough to the
    gallery photo for a genuine check-in. Without one, the person can still enrol and
    act as an impostor for others.
    """
    yaws = _yaws(_photos(folder))
    if len(yaws) < 2:
        return None
    frontal = sorted((path for path, yaw in yaws.items() if abs(yaw) <= FRONTAL_MAX_YAW), key=lambda path: (abs(yaws[path]), path.name))
    if not frontal:
        return None
    gallery_photo = frontal[0]

    # Turn candidates: every other photo as it is, and the most turned one mirrored too.
    # The mirror image is measured, not assumed, because the yaw estimate of a mirrored
    # face is not simply the negative of the original's.
    turns = {(path, False): yaw for path, yaw in yaws.items() if path != gallery_photo}
    if not turns:
        return None
    most_turned = max(turns, key=lambda key: (abs(turns[key]), key[0].name))[0]
    mirrored = _yaw(most_turned, mirror=True)
    if mirrored is not None:
        turns[(most_turned, True)] = mirrored
    left_turn = max(turns, key=lambda key: (turns[key], key[0].name))
    right_turn = min(turns, key=lambda key: (turns[key], key[0].name))
    # Sensor noise moves the landmarks, and with them the yaw estimate, by several degrees
    # on some photos. So each turn counts with its weakest value over a few noisy frames.
    turns[left_turn] = min([turns[left_turn], *_noisy_yaws(*left_turn)])
    turns[right_turn] = max([turns[right_turn], *_noisy_yaws(*right_turn)])
    needed = TURN_MIN_CHANGE_DEG + TURN_MARGIN_DEG

    def turns_from(photo: Path) -> bool:
        return turns[left_turn] - yaws[photo] >= needed and yaws[photo] - turns[right_turn] >= needed

    if not turns_from(gallery_photo):
        return None
    turned_photos = {left_turn[0], right_turn[0]}
    gallery_descriptor = _descriptor(gallery_photo)
    if gallery_descriptor is None:
        return None

    capture_photo, capture_descriptor = None, None
    for candidate in frontal[1:]:
        if candidate in turned_photos or not turns_from(candidate):
            continue
        descriptor = _descriptor(candidate)
        if descriptor is None:
            continue
        distance = float(DEFAULT_MODEL.distances(descriptor, gallery_descriptor[np.newaxis, :])[0])
        if distance <= CHECK_IN_THRESHOLD - DISTANCE_MARGIN:
            capture_photo, capture_descriptor = candidate, descriptor
            break
    return Person(
        folder=folder,
        gallery_photo=gallery_photo,
        capture_photo=capture_photo,
        left_turn=left_turn,
        right_turn=right_turn,
        gallery_descriptor=gallery_descriptor,
        capture_descriptor=capture_descriptor,
    )


def is_impostor_for(impostor: Person, person: Person) -> bool:
    """True when the impostor's gallery photo is clearly rejected against the person's gallery photo."""
    distance = float(DEFAULT_MODEL.distances(impostor.gallery_descriptor, person.gallery_descriptor[np.newaxis, :])[0])
    return distance > CHECK_IN_THRESHOLD + DISTANCE_MARGIN


def pick_people(faces_dir: Path, *, checking_in: int, enrol_only: int, rng: random.Random) -> tuple[list[Person], list[Person]]:
    """Return people who can check in (with a capture photo) and people who can only enrol, trying identities in the seed's order.

    Raises ValueError when the folder has too few qualifying identities.
    """
    folders = identity_folders(faces_dir)
    rng.shuffle(folders)
    full: list[Person] = []
    others: list[Person] = []
    tried = 0
    for folder in folders:
        if len(full) >= checking_in and len(others) >= enrol_only:
            break
        tried += 1
        person = qualify(folder)
        if person is None:
            continue
        if person.capture_photo is not None and len(full) < checking_in:
            full.append(person)
        elif len(others) < enrol_only:
            others.append(person)
    logger.info("simulation people: %s checking in and %s enrol-only of %s identities tried", len(full), len(others), tried)
    if len(full) < checking_in or len(others) < enrol_only:
        raise ValueError(
            f"{faces_dir} has too few identities with the photos a simulated student needs: "
            f"{len(full)} of {checking_in} able to check in, {len(others)} of {enrol_only} able to enrol"
        )
    return full, others
