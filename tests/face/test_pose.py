"""Eye, mouth and head-pose measures on landmarks of real frames and photos."""
import io
import math
import subprocess

import numpy as np
import pytest
from PIL import Image

from aidface.face.decode import decode_image
from aidface.face.detect import find_face
from aidface.face.pose import HeadPose, eye_aspect_ratio, head_pose, mouth_aspect_ratio, nose_drop


def _extract(clip, folder) -> list:
    """Decode every frame of `clip` to JPEG with ffmpeg. Item i is ffmpeg's frame i + 1."""
    folder.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(clip), "-q:v", "2", str(folder / "%03d.jpg")], check=True)
    return sorted(folder.glob("*.jpg"))


@pytest.fixture(scope="module")
def clip_frames(faces_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("pose-clips")
    liveness = faces_dir / "liveness"
    return {
        "blink": _extract(liveness / "blink_selfie_14s.mp4", root / "blink"),
        "talking": _extract(liveness / "talking_face_crop_3s.mp4", root / "talking"),
        "turn": _extract(liveness / "head_turn_annotated.gif", root / "turn"),
    }


def _landmarks_of_bytes(data: bytes) -> np.ndarray:
    return find_face(decode_image(data)).landmarks68


def _landmarks(path) -> np.ndarray:
    return _landmarks_of_bytes(path.read_bytes())


def _landmarks_of_pixels(image: Image.Image) -> np.ndarray:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return _landmarks_of_bytes(buffer.getvalue())


def _frame(clip_frames, clip: str, number: int):
    return clip_frames[clip][number - 1]


def test_eye_ratio_halves_in_blink(clip_frames):
    opened = eye_aspect_ratio(_landmarks(_frame(clip_frames, "blink", 5)))
    closed = eye_aspect_ratio(_landmarks(_frame(clip_frames, "blink", 13)))
    assert opened > 0.3
    assert closed < 0.6 * opened


def test_eye_ratio_drops_behind_glasses(clip_frames):
    opened = eye_aspect_ratio(_landmarks(_frame(clip_frames, "talking", 19)))
    closed = eye_aspect_ratio(_landmarks(_frame(clip_frames, "talking", 17)))
    assert closed < 0.75 * opened


def test_mouth_ratio_open_and_closed(faces_dir):
    gallery = faces_dir / "asian" / "gallery" / "lfw_Michael_Chang"
    assert mouth_aspect_ratio(_landmarks(gallery / "5.jpg")) > 0.4
    assert mouth_aspect_ratio(_landmarks(gallery / "2.jpg")) < 0.1


def test_yaw_follows_head_turn(clip_frames):
    straight = head_pose(_landmarks(_frame(clip_frames, "turn", 31))).yaw_deg
    to_her_left = head_pose(_landmarks(_frame(clip_frames, "turn", 11))).yaw_deg
    to_her_right = head_pose(_landmarks(_frame(clip_frames, "turn", 24))).yaw_deg
    assert abs(straight) < 20
    assert to_her_left > 40
    assert to_her_right < -40


def test_yaw_sign_flips_in_mirror(faces_dir):
    path = faces_dir / "gallery" / "Carl_Reiner" / "2.jpg"
    yaw = head_pose(_landmarks(path)).yaw_deg
    mirrored = Image.open(path).convert("RGB").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mirrored_yaw = head_pose(_landmarks_of_pixels(mirrored)).yaw_deg
    assert yaw > 15
    assert abs(yaw + mirrored_yaw) < 5


def test_pose_ignores_head_roll(faces_dir):
    photo = Image.open(faces_dir / "asian" / "gallery" / "lfw_Zhang_Wenkang" / "2.jpg").convert("RGB")
    upright = head_pose(_landmarks_of_pixels(photo))
    rolled = head_pose(_landmarks_of_pixels(photo.rotate(20, resample=Image.Resampling.BICUBIC)))
    assert abs(rolled.yaw_deg - upright.yaw_deg) < 5
    assert abs(rolled.pitch_deg - upright.pitch_deg) < 5


def test_flat_photo_turned_keeps_yaw(faces_dir):
    # The frontal HOG detector stops finding this face below about 0.7 of its width.
    photo = Image.open(faces_dir / "asian" / "gallery" / "lfw_Zhang_Wenkang" / "2.jpg").convert("RGB")
    squeezed = photo.resize((round(photo.width * 0.75), photo.height), Image.Resampling.BICUBIC)
    before = _landmarks_of_pixels(photo)
    after = _landmarks_of_pixels(squeezed)
    assert abs(head_pose(after).yaw_deg - head_pose(before).yaw_deg) < 5
    assert nose_drop(after) / nose_drop(before) == pytest.approx(1 / 0.75, rel=0.1)
    assert mouth_aspect_ratio(after) / mouth_aspect_ratio(before) == pytest.approx(1 / 0.75, rel=0.15)


def test_flat_photo_tilted_reads_as_pitch(faces_dir):
    photo = Image.open(faces_dir / "asian" / "gallery" / "lfw_Zhang_Wenkang" / "2.jpg").convert("RGB")
    tilted = photo.resize((photo.width, round(photo.height * 0.7)), Image.Resampling.BICUBIC)
    before = _landmarks_of_pixels(photo)
    after = _landmarks_of_pixels(tilted)
    assert head_pose(after).pitch_deg - head_pose(before).pitch_deg > 10
    assert nose_drop(after) / nose_drop(before) == pytest.approx(0.7, rel=0.1)
    assert eye_aspect_ratio(after) / eye_aspect_ratio(before) == pytest.approx(0.7, rel=0.15)


def test_pitch_of_gallery_photos_centres_on_level(faces_dir):
    paths = sorted((faces_dir / "gallery").glob("*/1.jpg"))[:40]
    pitches = [head_pose(_landmarks(path)).pitch_deg for path in paths]
    assert abs(float(np.median(pitches))) < 8


def test_degenerate_landmarks_give_zero():
    points = np.zeros((68, 2))
    assert eye_aspect_ratio(points) == 0.0
    assert mouth_aspect_ratio(points) == 0.0
    assert head_pose(points) == HeadPose(yaw_deg=0.0, pitch_deg=0.0)
    assert math.isfinite(nose_drop(points))
