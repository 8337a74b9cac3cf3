"""Find exactly one dominant face and its landmarks.

dlib's HOG frontal detector is the default; the CNN (MMOD) detector is an option.
Detection runs on a working copy whose longest side is at most DETECT_MAX_SIDE, and the
box is mapped back to the decoded image for landmarks and the descriptor.
"""
from dataclasses import dataclass
from typing import Literal

import dlib
import numpy as np
from PIL import Image

from aidface.face import models
from aidface.face.decode import DecodedImage
from aidface.face.errors import FaceError

Detector = Literal["hog", "cnn"]

# Maximum side, in pixels, of the working copy used for detection. A phone selfie's
# face stays above 150 px wide at this size, and HOG time grows with the pixel count.
DETECT_MAX_SIDE = 960
# A second face at least this fraction of the dominant face's width counts as a second
# person in front of the camera (multiple_faces). Smaller faces are in the background.
SECOND_FACE_MIN_WIDTH_RATIO = 0.5
# Images whose shorter side is below this (ID-card chip photos are 102x126 px) are
# padded and upscaled before a last detection attempt.
SMALL_IMAGE_SIDE = 320
# Border added on each side of a small image, as a fraction of its size, so that a face
# cropped to the chin and hairline is no longer cut by the image edge for HOG.
SMALL_IMAGE_PAD_FRACTION = 0.35

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class DetectedFace:
    """One face with its landmarks.

    `box` (left, top, right, bottom), `landmarks5` and `landmarks68` are pixel
    coordinates in `rgb`, the image the descriptor must be computed from. `rgb` is the
    decoded image, with two exceptions. A small photo (an ID-card chip) is padded and
    upscaled by `upscale`. When a file's EXIF orientation tag turned out wrong, `rgb` is
    the untransposed pixels in which the face was found.
    """

    box: Box
    landmarks5: np.ndarray
    landmarks68: np.ndarray
    shape5: dlib.full_object_detection
    rgb: np.ndarray
    upscale: float = 1.0
    detector: str = "hog"

    @property
    def interocular_px(self) -> float:
        """Distance between the two eye centres in source-image pixels."""
        right_eye = self.landmarks5[0:2].mean(axis=0)
        left_eye = self.landmarks5[2:4].mean(axis=0)
        return float(np.linalg.norm(right_eye - left_eye)) / self.upscale


def find_face(image: DecodedImage, *, reference: bool = False, detector: Detector = "hog") -> DetectedFace:
    """Find the one dominant face of a photo.

    Raises FaceError no_face, multiple_faces, or reference_unusable when `reference` is
    set (an ID-card photo without a usable face goes to manual review, not to a mismatch).
    """
    for rgb in _orientation_candidates(image):
        face = _find_in(rgb, detector=detector, small=reference or min(rgb.shape[:2]) < SMALL_IMAGE_SIDE)
        if face is not None:
            return face
    raise FaceError("reference_unusable" if reference else "no_face")


def detect_boxes(rgb: np.ndarray, *, detector: Detector = "hog", upsample: int = 0) -> list[Box]:
    """Return every face box in `rgb`, largest first, in `rgb` pixel coordinates."""
    working, scale = _working_copy(rgb)
    if detector == "cnn":
        found = [item.rect for item in models.cnn_detector()(working, upsample)]
    else:
        found = list(models.hog_detector()(working, upsample))
    boxes = [_scale_box(rect, 1.0 / scale, rgb.shape) for rect in found]
    return sorted(boxes, key=lambda box: box[2] - box[0], reverse=True)


def landmarks_for_box(rgb: np.ndarray, box: Box, *, upscale: float = 1.0, detector: str = "hog") -> DetectedFace:
    """Fit the 5- and 68-point landmark models inside `box` and return the face."""
    rect = dlib.rectangle(*box)
    shape5 = models.shape_predictor_5()(rgb, rect)
    shape68 = models.shape_predictor_68()(rgb, rect)
    return DetectedFace(
        box=box,
        landmarks5=_points(shape5),
        landmarks68=_points(shape68),
        shape5=shape5,
        rgb=rgb,
        upscale=upscale,
        detector=detector,
    )


def _find_in(rgb: np.ndarray, *, detector: Detector, small: bool) -> DetectedFace | None:
    # HOG finds faces down to about 80 px wide. One upsampling halves that limit but costs
    # 4x the time, so it is only tried when the plain pass finds nothing.
    for upsample in (0, 1):
        boxes = detect_boxes(rgb, detector=detector, upsample=upsample)
        if boxes:
            _reject_second_face(boxes)
            return landmarks_for_box(rgb, boxes[0], detector=detector)
    if not small:
        return None

    padded, upscale = _pad_and_upscale(rgb)
    boxes = detect_boxes(padded, detector=detector, upsample=0)
    if not boxes:
        return None
    _reject_second_face(boxes)
    return landmarks_for_box(padded, boxes[0], upscale=upscale, detector=detector)


def _reject_second_face(boxes: list[Box]) -> None:
    if len(boxes) < 2:
        return
    dominant_width = boxes[0][2] - boxes[0][0]
    second_width = boxes[1][2] - boxes[1][0]
    if second_width >= SECOND_FACE_MIN_WIDTH_RATIO * dominant_width:
        raise FaceError("multiple_faces")


def _orientation_candidates(image: DecodedImage):
    yield image.rgb
    if image.exif_orientation != 1:
        # Some editors rotate the pixels but keep the orientation tag, so the tag turns
        # an upright face sideways. Undo the tag and look again.
        yield _undo_orientation(image.rgb, image.exif_orientation)


_INVERSE_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def _undo_orientation(rgb: np.ndarray, orientation: int) -> np.ndarray:
    raw = Image.fromarray(rgb).transpose(_INVERSE_TRANSPOSE[orientation])
    return np.ascontiguousarray(np.asarray(raw, dtype=np.uint8))


def _working_copy(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    longest = max(height, width)
    if longest <= DETECT_MAX_SIDE:
        return rgb, 1.0
    scale = DETECT_MAX_SIDE / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.ascontiguousarray(np.asarray(small, dtype=np.uint8)), scale


def _pad_and_upscale(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    height, width = rgb.shape[:2]
    pad_y = round(height * SMALL_IMAGE_PAD_FRACTION)
    pad_x = round(width * SMALL_IMAGE_PAD_FRACTION)
    padded = np.pad(rgb, ((pad_y, pad_y), (pad_x, pad_x), (0, 0)), mode="edge")
    upscale = max(1.0, 2 * SMALL_IMAGE_SIDE / min(padded.shape[:2]))
    size = (round(padded.shape[1] * upscale), round(padded.shape[0] * upscale))
    enlarged = Image.fromarray(padded).resize(size, Image.Resampling.BICUBIC)
    # Only the factor is returned, not the padding offset, because callers measure
    # distances in the enlarged image, not positions in the source.
    return np.ascontiguousarray(np.asarray(enlarged, dtype=np.uint8)), upscale


def _scale_box(rect: dlib.rectangle, factor: float, shape: tuple[int, ...]) -> Box:
    height, width = shape[:2]
    left = max(0, round(rect.left() * factor))
    top = max(0, round(rect.top() * factor))
    right = min(width - 1, round(rect.right() * factor))
    bottom = min(height - 1, round(rect.bottom() * factor))
    return left, top, right, bottom


def _points(shape: dlib.full_object_detection) -> np.ndarray:
    return np.array([(point.x, point.y) for point in shape.parts()], dtype=np.float64)
