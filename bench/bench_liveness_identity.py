"""Measure descriptor distances between liveness frames, for the sequence identity threshold (not a test).

The liveness check compares the frames it picks for the identity check with each other
(aidface.face.liveness), so the threshold must sit between the distances of one person's
frames and those of two different people. Printed:

- each clip of the face set's liveness folder: the largest distance between any two of its
  frames that qualify for the identity check (facing the camera, eyes open), and between
  any two frames with a face;
- two photo sets that the liveness tests use as stand-ins for a recording: two photos of
  one person, each re-encoded as three slightly shifted camera frames;
- identity swaps: the smallest distance between frames of two different sets;
- East Asian photo pairs of the face set (the cache of bench/bench_duplicates.py): the
  share of impostor pairs within, and of same-person pairs beyond, each candidate value.

    .venv/bin/python bench/bench_liveness_identity.py
"""
import io
import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from aidface.face import thresholds  # noqa: E402
from aidface.face.descriptor import DEFAULT_MODEL  # noqa: E402
from aidface.face.liveness import is_identity_frame  # noqa: E402
from aidface.face.liveness_actions import measure_baseline  # noqa: E402
from aidface.face.liveness_frames import analyse_frames  # noqa: E402
from bench_duplicates import FACES_DIR, load_descriptors, pair_distances  # noqa: E402

CLIPS = ("blink_selfie_14s.mp4", "talking_face_crop_3s.mp4", "head_turn_annotated.gif")
# Two photos of one person each: Michael Chang speaking (2.jpg) and shouting (5.jpg),
# Zhang Wenkang with mouth nearly closed (1.jpg) and open (2.jpg).
PHOTO_SETS = {
    "lfw_Michael_Chang 2+5": ("lfw_Michael_Chang/2.jpg", "lfw_Michael_Chang/5.jpg"),
    "lfw_Zhang_Wenkang 1+2": ("lfw_Zhang_Wenkang/1.jpg", "lfw_Zhang_Wenkang/2.jpg"),
}
SHIFTS_PER_PHOTO = 3
CANDIDATES = (0.29, 0.32, 0.34, 0.36, 0.38, 0.40, 0.42)


def clip_frames(clip: Path, folder: Path) -> list[bytes]:
    """Decode every frame of `clip` to JPEG with ffmpeg, as the liveness tests do."""
    output = folder / clip.stem
    output.mkdir()
    command = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(clip), "-q:v", "2", str(output / "%03d.jpg")]
    subprocess.run(command, check=True)
    return [path.read_bytes() for path in sorted(output.glob("*.jpg"))]


def camera_frame(path: Path, shift: int) -> bytes:
    """Re-encode a photo cropped by a few pixels, so each frame's bytes and pixels differ."""
    with Image.open(path) as source:
        image = source.convert("RGB")
    width, height = image.size
    image = image.crop((shift, shift // 2, width - 3 + shift % 4, height - shift % 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def describe_frames(datas: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Describe the frames that qualify for the identity check, and every frame with a face, as two arrays."""
    analysis = analyse_frames(datas)
    if analysis.error is not None:
        raise RuntimeError(f"frame {analysis.error.index} is unusable: {analysis.error.code}")
    baseline = measure_baseline(analysis.measures)
    qualifying, every = [], []
    for face in analysis.faces:
        if face is None:
            continue
        descriptor = DEFAULT_MODEL.describe(face.detected())
        every.append(descriptor)
        if is_identity_frame(face.measures, baseline):
            qualifying.append(descriptor)
    return np.array(qualifying), np.array(every)


def largest_distance(vectors: np.ndarray) -> float:
    return max((float(np.linalg.norm(a - b)) for a, b in itertools.combinations(vectors, 2)), default=0.0)


def smallest_distance(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.linalg.norm(first[:, None, :] - second[None, :, :], axis=2).min())


def main() -> None:
    print(f"descriptor model {DEFAULT_MODEL.model_id}/{DEFAULT_MODEL.version}; {os.cpu_count()} CPUs")
    print(f"SEQUENCE_IDENTITY_THRESHOLD = {thresholds.SEQUENCE_IDENTITY_THRESHOLD}")
    sets: dict[str, np.ndarray] = {}

    print("\nsame person, largest distance between two frames")
    with tempfile.TemporaryDirectory(prefix="aidface-liveness-") as folder:
        for name in CLIPS:
            datas = clip_frames(FACES_DIR / "liveness" / name, Path(folder))
            qualifying, every = describe_frames(datas)
            sets[name] = qualifying
            print(
                f"  {name}: {len(datas)} frames, {len(every)} with a face, {len(qualifying)} qualifying; "
                f"qualifying {largest_distance(qualifying):.3f}, any with a face {largest_distance(every):.3f}"
            )
    for name, photos in PHOTO_SETS.items():
        paths = [FACES_DIR / "asian" / "gallery" / photo for photo in photos]
        _, every = describe_frames([camera_frame(path, shift) for path in paths for shift in range(SHIFTS_PER_PHOTO)])
        sets[name] = every
        print(f"  {name}: {len(every)} frames, {largest_distance(every):.3f}")

    print("\nidentity swaps, smallest distance between frames of two sets")
    for first, second in itertools.combinations(sets, 2):
        print(f"  {first} / {second}: {smallest_distance(sets[first], sets[second]):.3f}")

    descriptors, labels = load_descriptors()["asian"]
    genuine, impostor = pair_distances(descriptors, labels)
    print(f"\nEast Asian photo pairs: {len(genuine)} same-person, {len(impostor):,} impostor (either gender)")
    for candidate in CANDIDATES:
        print(
            f"  {candidate:.2f}: impostor pairs within {100 * (impostor <= candidate).mean():.1f}%, "
            f"same-person pairs beyond {100 * (genuine > candidate).mean():.1f}%"
        )


if __name__ == "__main__":
    main()
