"""Find the challenged actions in the face measures of a frame sequence.

Every threshold is relative to the same person earlier in the sequence (their own
open-eye, closed-mouth and straight-ahead values), so glasses, small eyes and a camera
placed off to one side change the baseline, not the decision.

The constants were tuned on the clips of the face test data, decoded by ffmpeg to
JPEG frames (every second frame of the two videos, every frame of the GIF):
- blink_selfie_14s.mp4: a frontal selfie, 259 px face, four blinks and a long closure.
- talking_face_crop_3s.mp4: a woman with glasses talking, 94 px face after upscaling,
  one blink (frames 15-17).
- head_turn_annotated.gif: a woman with headscarf and glasses, 50-90 px face, who
  turns to her left (frames 6-15) and then to her right (frames 18-28).
The numbers quoted below are measured on those frames.
"""
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Action(StrEnum):
    BLINK = "blink"
    OPEN_MOUTH = "open_mouth"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"


# A blink frame has an eye aspect ratio at most this share of the person's open-eye
# baseline, after dividing out the stretch described below. Measured: open eyes 0.80
# and above (talking clip, glasses), her blink 0.64 (talking clip frame 17), closures
# in the blink clip 0.56 and below, with half-closed frames at 0.63-0.75 around them.
BLINK_CLOSED_RATIO = 0.72
# Before and after the closed frame the eyes must be open at least this share of the
# baseline, so eyes kept shut (blink clip frames 264-328) are not a blink.
BLINK_OPEN_RATIO = 0.78
# Open-eye baseline: this percentile of the eye aspect ratio over steady frames. It is
# high so that the baseline stays the open value even when the eyes are closed in most
# frames (blink clip frames 246-328).
EYE_BASELINE_PERCENTILE = 90
# An open-mouth frame has a mouth aspect ratio at least this much above the person's
# closed-mouth baseline. Speech is not enough: lips parted while talking rise 0.06-0.08
# (talking clip frames 27 and 47-49), and closed lips rise at most 0.02 (blink clip). A
# mouth opened wide rises 0.40-0.60 (gallery photos lfw_Michael_Chang/5, lfw_Zhang_Wenkang/2).
MOUTH_OPEN_RISE = 0.15
# Closed-mouth baseline: this percentile of the mouth aspect ratio over steady frames.
MOUTH_BASELINE_PERCENTILE = 25
# A turn is a yaw change of at least this many degrees from the straight-ahead
# reference. Measured: a still face varies by at most 5 degrees (blink and talking
# clips), and the turns in the head-turn clip reach +71 and -36 degrees from her reference.
# A flat photo turned sideways keeps its yaw, because the nose offset and the eye span
# shrink alike.
TURN_MIN_CHANGE_DEG = 20.0
# Reference yaw and nose drop: median over the first few frames with a face, taken
# while the person still faces the camera before the first prompt.
REFERENCE_FRAMES = 3
# Blinks and mouth openings count only on steady frames: yaw within this many degrees
# of the reference and nose drop (pose.nose_drop) within this share of it. A flat photo
# tilted back or turned sideways scales the eye and mouth ratios and the nose drop by the
# same factor, so the ratios are divided by that factor before they are compared. The
# limit keeps out real nods, which lower the eyelids and lengthen the drop together.
# Measured: closed eyes shorten the drop by up to 16 % (blink clip frames 190-194, a
# long closure), talking changes it by up to 10 % (talking clip frame 47).
STEADY_MAX_YAW_CHANGE_DEG = 15.0
STEADY_MAX_DROP_CHANGE = 0.25
# Below these values the landmarks did not fit a face (the nose tip on the eye line).
MIN_REFERENCE_NOSE_DROP = 0.1
MIN_STRETCH = 0.05


@dataclass(frozen=True)
class FaceMeasures:
    """Landmark measures of the face in one frame (see aidface.face.pose)."""

    eye_ratio: float
    mouth_ratio: float
    yaw_deg: float
    nose_drop: float


@dataclass(frozen=True)
class Baseline:
    """The person's own reference values, taken from the sequence itself."""

    yaw_deg: float
    nose_drop: float
    eye_ratio: float
    mouth_ratio: float


@dataclass
class ActionSearch:
    """Frame index of each challenged action that was seen, and the actions missing or out of order."""

    seen: dict[Action, int] = field(default_factory=dict)
    missing: list[Action] = field(default_factory=list)
    out_of_order: list[Action] = field(default_factory=list)


def measure_baseline(measures: list[FaceMeasures | None]) -> Baseline | None:
    """Return the person's reference values, or None when too few frames show a face."""
    faces = [item for item in measures if item is not None]
    if len(faces) < REFERENCE_FRAMES:
        return None
    yaw = float(np.median([item.yaw_deg for item in faces[:REFERENCE_FRAMES]]))
    drop = float(np.median([item.nose_drop for item in faces[:REFERENCE_FRAMES]]))
    if drop < MIN_REFERENCE_NOSE_DROP:
        return None
    reference = Baseline(yaw_deg=yaw, nose_drop=drop, eye_ratio=0.0, mouth_ratio=0.0)

    steady = [item for item in faces if is_steady(item, reference)] or faces[:REFERENCE_FRAMES]
    eye = np.percentile([_eye_ratio(item, reference) for item in steady], EYE_BASELINE_PERCENTILE)
    mouth = np.percentile([_mouth_ratio(item, reference) for item in steady], MOUTH_BASELINE_PERCENTILE)
    return Baseline(yaw_deg=yaw, nose_drop=drop, eye_ratio=float(eye), mouth_ratio=float(mouth))


def find_actions(measures: list[FaceMeasures | None], actions: tuple[Action, ...], baseline: Baseline) -> ActionSearch:
    """Look for each action after the frame where the previous one was seen."""
    search = ActionSearch()
    start = 0
    for action in actions:
        index = first_occurrence(action, measures, baseline, start=start)
        if index is not None:
            search.seen[action] = index
            start = index + 1
        elif first_occurrence(action, measures, baseline, start=0) is not None:
            search.out_of_order.append(action)
        else:
            search.missing.append(action)
    return search


def first_occurrence(action: Action, measures: list[FaceMeasures | None], baseline: Baseline, *, start: int) -> int | None:
    """Return the index of the first frame at or after `start` that shows `action`."""
    for index in range(start, len(measures)):
        if _shows(action, measures, index, baseline):
            return index
    return None


def is_eye_open(item: FaceMeasures, baseline: Baseline) -> bool:
    return _eye_ratio(item, baseline) >= BLINK_OPEN_RATIO * baseline.eye_ratio


def is_steady(item: FaceMeasures, baseline: Baseline) -> bool:
    """Return whether the face looks the same way as at the start of the sequence."""
    return (
        abs(item.yaw_deg - baseline.yaw_deg) <= STEADY_MAX_YAW_CHANGE_DEG
        and abs(item.nose_drop / baseline.nose_drop - 1) <= STEADY_MAX_DROP_CHANGE
    )


def _shows(action: Action, measures: list[FaceMeasures | None], index: int, baseline: Baseline) -> bool:
    item = measures[index]
    if item is None:
        return False
    if action is Action.TURN_LEFT:
        return item.yaw_deg - baseline.yaw_deg >= TURN_MIN_CHANGE_DEG
    if action is Action.TURN_RIGHT:
        return baseline.yaw_deg - item.yaw_deg >= TURN_MIN_CHANGE_DEG
    if not is_steady(item, baseline):
        return False
    if action is Action.OPEN_MOUTH:
        return _mouth_ratio(item, baseline) - baseline.mouth_ratio >= MOUTH_OPEN_RISE
    return _is_blink(measures, index, baseline)


def _is_blink(measures: list[FaceMeasures | None], index: int, baseline: Baseline) -> bool:
    if _eye_ratio(measures[index], baseline) > BLINK_CLOSED_RATIO * baseline.eye_ratio:
        return False
    opened_before = any(_is_open_and_steady(item, baseline) for item in measures[:index])
    opened_after = any(_is_open_and_steady(item, baseline) for item in measures[index + 1 :])
    return opened_before and opened_after


def _is_open_and_steady(item: FaceMeasures | None, baseline: Baseline) -> bool:
    return item is not None and is_steady(item, baseline) and is_eye_open(item, baseline)


def _eye_ratio(item: FaceMeasures, baseline: Baseline) -> float:
    """Eye aspect ratio with the photo-like stretch of the whole face divided out."""
    return item.eye_ratio / _stretch(item, baseline)


def _mouth_ratio(item: FaceMeasures, baseline: Baseline) -> float:
    """Mouth aspect ratio with the photo-like stretch of the whole face divided out."""
    return item.mouth_ratio / _stretch(item, baseline)


def _stretch(item: FaceMeasures, baseline: Baseline) -> float:
    # A nose tip at or above the eye line is a landmark failure. Keep the ratio finite.
    return max(item.nose_drop / baseline.nose_drop, MIN_STRETCH)
