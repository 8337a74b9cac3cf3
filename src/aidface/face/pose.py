"""Eye, mouth and head-pose measures from dlib's 68 facial landmarks.

Point numbering follows the iBUG 300-W scheme that dlib's 68-point model uses:
36-41 the person's right eye (image left), 42-47 the left eye, 30 the nose tip,
60-67 the inner lip contour. Coordinates are image pixels, x to the right, y down.

Head pose uses a scaled orthographic model of an average adult face, not a per-person
fit. Faces differ: over 415 gallery photos, most of them roughly level, the nose drop
below the eyes ranges from 0.37 to 0.69 eye spans (5th to 95th percentile). So the
absolute pitch of one person can be off by up to about 20 degrees. Changes of angle
within one person's sequence are much more reliable than the absolute values.
"""
import math
from dataclasses import dataclass

import numpy as np

RIGHT_EYE = slice(36, 42)
LEFT_EYE = slice(42, 48)
INNER_LIPS = slice(60, 68)
NOSE_TIP = 30

# Distance between the two eye centres (midpoints of the corners) divided by how far
# the nose tip sits in front of them: about 62 mm over 28 mm for an average adult.
# Checked on head_turn_annotated.gif: frames 11 and 24, which that clip's own
# estimator labels +52 and -52 degrees, come out at +51 and -53 degrees.
EYE_SPAN_PER_NOSE_DEPTH = 2.2
# Drop of the nose tip below the eye line, in eye spans, on a face with no pitch. The
# median over 415 LFW and East Asian gallery photos, most of them roughly level, is 0.53.
NOSE_DROP_PER_EYE_SPAN = 0.53


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees.

    `yaw_deg` is positive when the person turns to their own left (the nose moves
    towards the right of an unmirrored camera image). `pitch_deg` is positive when the
    person looks up.
    """

    yaw_deg: float
    pitch_deg: float


def eye_aspect_ratio(points68: np.ndarray) -> float:
    """Return the eye aspect ratio, the mean over both eyes of lid opening over eye width.

    About 0.25-0.40 for open eyes and roughly half of the person's own open value when
    the eyes are shut. Small eyes and glasses lower the open value but not the halving.
    """
    points = np.asarray(points68, dtype=np.float64)
    return (_eye_ratio(points[RIGHT_EYE]) + _eye_ratio(points[LEFT_EYE])) / 2


def mouth_aspect_ratio(points68: np.ndarray) -> float:
    """Return the mouth aspect ratio, the inner-lip opening over the inner-lip width.

    Near 0 with closed lips, about 0.1-0.15 while talking and above 0.3 with the mouth
    opened wide.
    """
    lips = np.asarray(points68, dtype=np.float64)[INNER_LIPS]
    width = _distance(lips[0], lips[4])
    if width == 0:
        return 0.0
    opening = _distance(lips[1], lips[7]) + _distance(lips[2], lips[6]) + _distance(lips[3], lips[5])
    return opening / (3 * width)


def head_pose(points68: np.ndarray) -> HeadPose:
    """Estimate yaw and pitch from where the nose tip sits relative to the eyes.

    Under a scaled orthographic camera the nose tip's sideways offset from the eye
    midpoint is depth * sin(yaw) while the eye span shrinks by cos(yaw), so their ratio
    gives tan(yaw). Its drop below the eye line is drop * cos(pitch) - depth * sin(pitch).
    Both are measured along the eye line, so head roll does not change them.
    """
    sideways, drop = _nose_offset(points68)
    yaw = math.atan(sideways * EYE_SPAN_PER_NOSE_DEPTH)
    pitch = _pitch_from_drop(drop * math.cos(yaw))
    return HeadPose(yaw_deg=math.degrees(yaw), pitch_deg=math.degrees(pitch))


def nose_drop(points68: np.ndarray) -> float:
    """Return the nose tip's distance below the eye line in eye spans, corrected for yaw.

    A flat photo tilted or turned away from the camera scales this value by the same
    factor as the eye and mouth aspect ratios, while a blink or an opened mouth leaves
    it nearly unchanged.
    """
    sideways, drop = _nose_offset(points68)
    return drop * math.cos(math.atan(sideways * EYE_SPAN_PER_NOSE_DEPTH))


def _nose_offset(points68: np.ndarray) -> tuple[float, float]:
    """Return the nose tip's offset from the eye midpoint along and across the eye line, in eye spans."""
    points = np.asarray(points68, dtype=np.float64)
    right_eye = (points[36] + points[39]) / 2
    left_eye = (points[42] + points[45]) / 2
    eye_axis = left_eye - right_eye
    eye_span = float(np.hypot(*eye_axis))
    if eye_span == 0:
        return 0.0, NOSE_DROP_PER_EYE_SPAN

    along = eye_axis / eye_span
    across = np.array([-along[1], along[0]])
    nose = points[NOSE_TIP] - (right_eye + left_eye) / 2
    return float(nose @ along) / eye_span, float(nose @ across) / eye_span


def _pitch_from_drop(drop: float) -> float:
    # drop = h cos(p) - d sin(p) = r cos(p + a) with r = hypot(h, d), a = atan2(d, h).
    depth = 1 / EYE_SPAN_PER_NOSE_DEPTH
    radius = math.hypot(NOSE_DROP_PER_EYE_SPAN, depth)
    offset = math.atan2(depth, NOSE_DROP_PER_EYE_SPAN)
    # NOTE: past `offset` (about 40 degrees down) the drop shortens again, so a head
    # bowed further reads as a smaller downward angle, and close to it a small landmark
    # shift moves the angle a lot (acos is steep near 1). Such faces are rarely detected.
    return math.acos(max(-1.0, min(1.0, drop / radius))) - offset


def _eye_ratio(eye: np.ndarray) -> float:
    width = _distance(eye[0], eye[3])
    if width == 0:
        return 0.0
    return (_distance(eye[1], eye[5]) + _distance(eye[2], eye[4])) / (2 * width)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(a - b)))
