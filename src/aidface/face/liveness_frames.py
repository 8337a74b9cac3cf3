"""Decode the frames of a liveness check, find the face in each and measure it.

Every frame needs a face detection, so each frame is searched at a reduced size first:
a HOG pass over 320x240 pixels takes about a quarter of the time of one over 640x480.
A face filling a phone selfie stays above the HOG detector's 80 px window there. Only a frame where that finds nothing goes through the full `find_face`
search.
"""
from dataclasses import dataclass

import dlib
import numpy as np
from PIL import Image

from aidface.face import models
from aidface.face.decode import DecodedImage, decode_image
from aidface.face.detect import SECOND_FACE_MIN_WIDTH_RATIO, Box, DetectedFace, detect_boxes, find_face, landmarks_for_box
from aidface.face.errors import FaceError
from aidface.face.liveness_actions import FaceMeasures
from aidface.face.phash import perceptual_hash
from aidface.face.pose import eye_aspect_ratio, head_pose, mouth_aspect_ratio, nose_drop

# Maximum side, in pixels, of the reduced copy searched first.
QUICK_DETECT_SIDE = 320


@dataclass(frozen=True)
class FrameFace:
    """The face found in one frame: its box and 68 landmarks in `rgb` pixels."""

    rgb: np.ndarray
    box: Box
    landmarks68: np.ndarray
    measures: FaceMeasures

    def detected(self) -> DetectedFace:
        """Fit the 5-point landmarks as well, as the descriptor model needs them."""
        return landmarks_for_box(self.rgb, self.box)


@dataclass(frozen=True)
class FrameError:
    """A frame that stops the check: unreadable, or with more than one face."""

    index: int
    code: str
    message: str


@dataclass(frozen=True)
class FrameAnalysis:
    """Per-frame results in frame order. `faces[i]` is None when frame i shows no face."""

    faces: tuple[FrameFace | None, ...]
    hashes: tuple[int, ...]
    error: FrameError | None = None

    @property
    def measures(self) -> list[FaceMeasures | None]:
        return [None if face is None else face.measures for face in self.faces]


def analyse_frames(frames_data: list[bytes]) -> FrameAnalysis:
    """Decode, hash and measure every frame, stopping at the first frame that cannot be used."""
    faces: list[FrameFace | None] = []
    hashes: list[int] = []
    for index, data in enumerate(frames_data):
        try:
            image = decode_image(data)
            hashes.append(perceptual_hash(image.rgb))
            faces.append(_locate_face(image))
        except FaceError as error:
            failure = FrameError(index=index, code=error.code, message=error.message)
            return FrameAnalysis(faces=tuple(faces), hashes=tuple(hashes), error=failure)
    return FrameAnalysis(faces=tuple(faces), hashes=tuple(hashes))


def _locate_face(image: DecodedImage) -> FrameFace | None:
    """Return the frame's one dominant face, or None without a face. Raises FaceError multiple_faces."""
    box = _quick_box(image.rgb)
    if box is not None:
        return _measure(image.rgb, box, landmarks68=_landmarks68(image.rgb, box))
    try:
        face = find_face(image)
    except FaceError as error:
        if error.code == "no_face":
            return None
        raise
    return _measure(face.rgb, face.box, landmarks68=face.landmarks68)


def _quick_box(rgb: np.ndarray) -> Box | None:
    height, width = rgb.shape[:2]
    scale = QUICK_DETECT_SIDE / max(height, width)
    if scale >= 1:
        return None
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    reduced = np.ascontiguousarray(np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR)))
    boxes = detect_boxes(reduced)
    if not boxes:
        return None
    if len(boxes) > 1 and boxes[1][2] - boxes[1][0] >= SECOND_FACE_MIN_WIDTH_RATIO * (boxes[0][2] - boxes[0][0]):
        raise FaceError("multiple_faces")
    left, top, right, bottom = boxes[0]
    return (
        max(0, round(left / scale)),
        max(0, round(top / scale)),
        min(width - 1, round(right / scale)),
        min(height - 1, round(bottom / scale)),
    )


def _landmarks68(rgb: np.ndarray, box: Box) -> np.ndarray:
    shape = models.shape_predictor_68()(rgb, dlib.rectangle(*box))
    return np.array([(point.x, point.y) for point in shape.parts()], dtype=np.float64)


def _measure(rgb: np.ndarray, box: Box, *, landmarks68: np.ndarray) -> FrameFace:
    pose = head_pose(landmarks68)
    measures = FaceMeasures(
        eye_ratio=eye_aspect_ratio(landmarks68),
        mouth_ratio=mouth_aspect_ratio(landmarks68),
        yaw_deg=pose.yaw_deg,
        nose_drop=nose_drop(landmarks68),
    )
    return FrameFace(rgb=rgb, box=box, landmarks68=landmarks68, measures=measures)
