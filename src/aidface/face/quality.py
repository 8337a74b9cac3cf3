"""Quality gates for a live capture, each with a named limit, its unit and a reason code.

Limits were set on real photos (LFW and East Asian gallery photos, a sharp sample and
the same photos blurred), so that ordinary photos pass and a blurred, dark or turned
face is sent back with advice. ID-card chip photos are not gated: they are small and old
by nature, and an unusable one goes to manual review instead.
"""
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from aidface.face import pose
from aidface.face.detect import DetectedFace
from aidface.face.errors import FaceError

# Distance between the eye centres, in source-image pixels. A portrait scaled down until
# HOG (without upsampling) lost it had a 72-86 px box and 27-34 px between the eyes.
# dlib's 150 px descriptor chip (padding 0.25) has about 40 px between the eyes, so a
# face at this limit is upscaled by a third at most.
MIN_INTEROCULAR_PX = 30.0
# Side, in pixels, of the greyscale face crop on which blur and brightness are measured,
# so that both are independent of the photo's resolution.
MEASURE_CROP_SIDE = 128
# Variance of the 4-neighbour Laplacian on the 128 px crop (grey levels squared). Over
# 267 real photos the 1st percentile is 12; the same photos blurred with a Gaussian of
# radius 3 px give a median of 2.6 and a 95th percentile of 8.4.
MIN_LAPLACIAN_VARIANCE = 10.0
# Mean grey level (0-255) of the face crop. Real photos range from 63 to 190.
MIN_MEAN_LUMA = 55.0
MAX_MEAN_LUMA = 215.0
# Head rotation in degrees, from the 68 landmarks (aidface.face.pose). Pitch from
# landmarks can be off by about 20 degrees for one person, hence the wider limit.
MAX_YAW_DEG = 30.0
MAX_PITCH_DEG = 35.0
# Eye aspect ratio (lid opening over eye width, mean of both eyes). In a real selfie
# clip open eyes measure 0.30-0.37 and closed ones 0.14-0.18, but 4% of the East Asian
# gallery photos (open, small eyes) already measure below 0.16. So this gate only catches
# clearly shut eyes; a blink is the liveness check's business.
MIN_EYE_ASPECT_RATIO = 0.15

@dataclass(frozen=True)
class QualityIssue:
    """One failed gate: the reason code, the Chinese advice, the measured value and its limit."""

    code: str
    message: str
    value: float
    limit: float
    unit: str


@dataclass(frozen=True)
class QualityReport:
    """All measures of one capture and the gates it failed, in the order they are checked."""

    interocular_px: float
    laplacian_variance: float
    mean_luma: float
    yaw_deg: float
    pitch_deg: float
    eye_aspect_ratio: float
    issues: tuple[QualityIssue, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return not self.issues

    @property
    def advice(self) -> str:
        """The Chinese advice of the first failed gate, or an empty string."""
        return self.issues[0].message if self.issues else ""


def assess_quality(face: DetectedFace) -> QualityReport:
    """Measure a detected face and list every gate it fails."""
    grey = _face_crop(face)
    measures = {
        "interocular_px": face.interocular_px,
        "laplacian_variance": laplacian_variance(grey),
        "mean_luma": float(grey.mean()),
    }
    head = pose.head_pose(face.landmarks68)
    measures.update(
        yaw_deg=head.yaw_deg,
        pitch_deg=head.pitch_deg,
        eye_aspect_ratio=pose.eye_aspect_ratio(face.landmarks68),
    )
    return QualityReport(**measures, issues=tuple(_issues(measures)))


def require_quality(face: DetectedFace) -> QualityReport:
    """Return the quality report, or raise FaceError for the first failed gate."""
    report = assess_quality(face)
    if not report.passed:
        raise FaceError(report.issues[0].code, report.issues[0].message)
    return report


def laplacian_variance(grey: np.ndarray) -> float:
    """Return the variance of the 4-neighbour Laplacian of a greyscale image."""
    centre = grey[1:-1, 1:-1]
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * centre
    return float(laplacian.var())


def _issues(measures: dict) -> list[QualityIssue]:
    issues = []
    interocular = measures["interocular_px"]
    if interocular < MIN_INTEROCULAR_PX:
        message = f"人脸太小（两眼间距 {interocular:.0f} 像素，至少需要 {MIN_INTEROCULAR_PX:.0f} 像素），请靠近镜头"
        issues.append(QualityIssue("face_too_small", message, interocular, MIN_INTEROCULAR_PX, "px"))
    luma = measures["mean_luma"]
    if luma < MIN_MEAN_LUMA:
        issues.append(QualityIssue("too_dark", "光线太暗，请到明亮处或打开灯后重新拍摄", luma, MIN_MEAN_LUMA, "grey level"))
    if luma > MAX_MEAN_LUMA:
        issues.append(QualityIssue("overexposed", "光线过强，请避开强光或背对窗户后重新拍摄", luma, MAX_MEAN_LUMA, "grey level"))
    sharpness = measures["laplacian_variance"]
    if sharpness < MIN_LAPLACIAN_VARIANCE:
        issues.append(QualityIssue("blurry", "照片模糊，请保持手机稳定、擦净镜头后重新拍摄", sharpness, MIN_LAPLACIAN_VARIANCE, "grey level²"))
    yaw, pitch = measures["yaw_deg"], measures["pitch_deg"]
    if abs(yaw) > MAX_YAW_DEG:
        issues.append(QualityIssue("head_turned", "请正对镜头，不要左右转头", yaw, MAX_YAW_DEG, "deg"))
    elif abs(pitch) > MAX_PITCH_DEG:
        issues.append(QualityIssue("head_turned", "请正对镜头，不要抬头或低头", pitch, MAX_PITCH_DEG, "deg"))
    ratio = measures["eye_aspect_ratio"]
    if ratio < MIN_EYE_ASPECT_RATIO:
        issues.append(QualityIssue("eyes_closed", "请睁开眼睛并正对镜头", ratio, MIN_EYE_ASPECT_RATIO, "ratio"))
    return issues


def _face_crop(face: DetectedFace) -> np.ndarray:
    left, top, right, bottom = face.box
    crop = Image.fromarray(face.rgb).crop((left, top, right + 1, bottom + 1)).convert("L")
    crop = crop.resize((MEASURE_CROP_SIDE, MEASURE_CROP_SIDE), Image.Resampling.BILINEAR)
    return np.asarray(crop, dtype=np.float64)
