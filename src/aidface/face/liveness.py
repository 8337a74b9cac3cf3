"""Action liveness: a random two-action challenge and the check of the frames sent back.

The server issues a challenge: two different actions out of blink, open mouth, turn
left and turn right, a nonce and a 90-second expiry. The phone or terminal films the
person following the prompts and sends 6 to 40 frames with their capture times. The
check passes only when the nonce is fresh, no two frames are byte-identical, the
capture times are plausible, every action is seen in the challenged order, and one
person is seen throughout.

Frames must be unmirrored camera images: "turn left" is the person's own left, which
appears on the right of an unmirrored image. A client that mirrors its preview must
not mirror the frames it sends. In the blink test clip the eyes stay closed for 3 or
4 frames at 24 fps (0.12-0.17 s), so the client should capture at least 8 frames per
second. At that rate the 40-frame maximum covers 5 s.
"""
import hashlib
import math
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Protocol

import numpy as np

from aidface.face import thresholds
from aidface.face.descriptor import DEFAULT_MODEL, DescriptorModel
from aidface.face.errors import MESSAGES
from aidface.face.liveness_actions import (
    STEADY_MAX_DROP_CHANGE,
    Action,
    Baseline,
    FaceMeasures,
    find_actions,
    is_eye_open,
    measure_baseline,
)
from aidface.face.liveness_frames import FrameError, analyse_frames
from aidface.face.phash import hamming

CHALLENGE_LIFETIME = timedelta(seconds=90)
ACTIONS_PER_CHALLENGE = 2
MIN_FRAMES = 6
MAX_FRAMES = 40
# Two actions take a person at least a second, and the client films for a few seconds.
MIN_SPAN_MS = 1000
# Cameras in a browser deliver 30 and at most 60 frames per second, so two distinct
# captures are at least about 16 ms apart.
MIN_FRAME_INTERVAL_MS = 15
# A longer pause between two frames suggests a sequence pieced together from separate
# recordings rather than one continuous capture.
MAX_FRAME_GAP_MS = 5000
# Client and server clocks are compared only through elapsed time, with this slack for
# the upload and the rounding of capture times.
CLOCK_SLACK_MS = 2000
# At most this share of frames may lack a face (a face turned far away is not found
# by the frontal detector).
MAX_FACELESS_SHARE = 1 / 3
# Frames whose hashes differ by at most this many bits are reported as near-identical.
NEAR_IDENTICAL_BITS = 2
# Frames used for the identity check face the camera within this many degrees of the
# reference (and are not tilted further than steady frames), because descriptors of a
# face turned further drift apart.
IDENTITY_MAX_YAW_CHANGE_DEG = 25.0

PROMPTS: dict[Action, str] = {
    Action.BLINK: "请眨眨眼",
    Action.OPEN_MOUTH: "请张大嘴",
    Action.TURN_LEFT: "请向左转头",
    Action.TURN_RIGHT: "请向右转头",
}

_MISSING_MESSAGES: dict[Action, str] = {
    Action.BLINK: "未检测到眨眼，请按提示眨眼",
    Action.OPEN_MOUTH: "未检测到张嘴，请按提示把嘴张大",
    Action.TURN_LEFT: "未检测到向左转头，请按提示向左转头",
    Action.TURN_RIGHT: "未检测到向右转头，请按提示向右转头",
}


@dataclass(frozen=True)
class Challenge:
    """A liveness challenge: the actions to perform in order, valid until `expires_at`."""

    nonce: str
    actions: tuple[Action, ...]
    issued_at: datetime
    expires_at: datetime

    @property
    def prompts(self) -> tuple[str, ...]:
        """The Chinese prompt for each action, in order."""
        return tuple(PROMPTS[action] for action in self.actions)


@dataclass(frozen=True)
class Frame:
    """One captured camera frame.

    `data` is the encoded image as the client sent it (JPEG, PNG or WebP). `captured_ms`
    is the capture time in milliseconds on any monotonic client clock, for example
    `performance.now()`; only differences between frames are used.
    """

    data: bytes
    captured_ms: float


@dataclass(frozen=True)
class Reason:
    """Why a check failed: a stable English code and a Chinese sentence for the person.

    Codes: challenge_expired, nonce_reused, frame_count, implausible_timestamps,
    duplicate_frames, unreadable_frame, multiple_faces, too_few_faces, action_missing
    and action_order (with `action`), identity_changed. `frame` is the 0-based index of
    the frame concerned, where there is one.
    """

    code: str
    message: str
    action: Action | None = None
    frame: int | None = None


@dataclass(frozen=True)
class FrameDescriptor:
    """The face descriptor of one frame, for comparing the person with their gallery."""

    frame: int
    descriptor: np.ndarray


@dataclass(frozen=True)
class LivenessResult:
    """Outcome of `check_liveness`.

    `descriptors` were computed with the model named by `model_id` and `model_version`
    and can be compared with the person's gallery without computing them again.
    `frame_hashes` (perceptual hashes of the frames read before a stop) allow the caller
    to look for the same pictures in other people's check-ins.
    """

    passed: bool
    reasons: tuple[Reason, ...]
    action_frames: dict[Action, int] = field(default_factory=dict)
    descriptors: tuple[FrameDescriptor, ...] = ()
    model_id: str = ""
    model_version: str = ""
    frame_hashes: tuple[int, ...] = ()
    near_identical_pairs: tuple[tuple[int, int], ...] = ()


class NonceStore(Protocol):
    """Remembers used challenge nonces until they expire."""

    def consume(self, nonce: str, *, expires_at: datetime) -> bool:
        """Mark `nonce` as used and return True, or return False if it was used before.

        Must be atomic: of two concurrent calls with the same nonce, one returns False.
        """


class InMemoryNonceStore:
    """A NonceStore for one process, with used nonces kept until they expire."""

    def __init__(self) -> None:
        self._used: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def consume(self, nonce: str, *, expires_at: datetime) -> bool:
        now = datetime.now(UTC)
        with self._lock:
            for old, expiry in list(self._used.items()):
                if expiry < now:
                    del self._used[old]
            if nonce in self._used:
                return False
            self._used[nonce] = expires_at
            return True


def issue_challenge(
    *, rng: Random | None = None, now: datetime | None = None, allowed_actions: Iterable[Action | str] = tuple(Action)
) -> Challenge:
    """Create a challenge of two different actions from `allowed_actions`, in random order.

    `allowed_actions` takes Action members or their names, for example a policy's setting.
    Raises ValueError when it names an unknown action or fewer than two different ones.
    The nonce always comes from the `secrets` module, and `rng` only picks the actions.
    """
    pool = _action_pool(allowed_actions)
    chooser = rng if rng is not None else secrets.SystemRandom()
    issued_at = now if now is not None else datetime.now(UTC)
    actions = tuple(chooser.sample(pool, ACTIONS_PER_CHALLENGE))
    return Challenge(
        nonce=secrets.token_urlsafe(24),
        actions=actions,
        issued_at=issued_at,
        expires_at=issued_at + CHALLENGE_LIFETIME,
    )


def _action_pool(allowed_actions: Iterable[Action | str]) -> list[Action]:
    """Return the distinct actions in the order given, so a seeded `rng` picks reproducibly."""
    pool: list[Action] = []
    for name in allowed_actions:
        try:
            action = Action(name)
        except ValueError:
            known = ", ".join(Action)
            raise ValueError(f"invalid liveness action {name!r}, expected one of {known}") from None
        if action not in pool:
            pool.append(action)
    if len(pool) < ACTIONS_PER_CHALLENGE:
        raise ValueError(f"a challenge needs at least {ACTIONS_PER_CHALLENGE} different actions, got {len(pool)}")
    return pool


def check_liveness(
    challenge: Challenge,
    frames: list[Frame],
    *,
    nonce_store: NonceStore,
    now: datetime | None = None,
    model: DescriptorModel = DEFAULT_MODEL,
) -> LivenessResult:
    """Check the frames filmed for `challenge`. The nonce is used up even when the check fails."""
    now = now if now is not None else datetime.now(UTC)

    if now > challenge.expires_at:
        return _failed(Reason("challenge_expired", MESSAGES["challenge_expired"]))
    if not nonce_store.consume(challenge.nonce, expires_at=challenge.expires_at):
        return _failed(Reason("nonce_reused", MESSAGES["nonce_reused"]))

    early = _check_frame_count(frames) or _check_timestamps(frames, challenge, now) or _check_byte_duplicates(frames)
    if early is not None:
        return _failed(early)

    analysis = analyse_frames([frame.data for frame in frames])
    if analysis.error is not None:
        return _failed(_frame_reason(analysis.error), frame_hashes=analysis.hashes)
    near_identical = _near_identical_pairs(analysis.hashes)

    measures = analysis.measures
    faces_found = sum(item is not None for item in measures)
    baseline = measure_baseline(measures)
    if baseline is None or len(frames) - faces_found > MAX_FACELESS_SHARE * len(frames):
        reason = Reason("too_few_faces", "多数画面未检测到人脸，请正对镜头重新录制")
        return _failed(reason, frame_hashes=analysis.hashes)

    search = find_actions(measures, challenge.actions, baseline)
    reasons = [Reason("action_missing", _MISSING_MESSAGES[action], action=action) for action in search.missing]
    reasons += [
        Reason("action_order", "动作顺序不对，请按提示的顺序完成动作", action=action) for action in search.out_of_order
    ]

    picked = _identity_frames(measures, baseline, search.seen)
    descriptors = tuple(FrameDescriptor(index, model.describe(analysis.faces[index].detected())) for index in picked)
    reasons += _check_identity(descriptors, model)

    return LivenessResult(
        passed=not reasons,
        reasons=tuple(reasons),
        action_frames=dict(search.seen),
        descriptors=descriptors,
        model_id=model.model_id,
        model_version=model.version,
        frame_hashes=analysis.hashes,
        near_identical_pairs=near_identical,
    )


def _failed(reason: Reason, *, frame_hashes: tuple[int, ...] = ()) -> LivenessResult:
    return LivenessResult(passed=False, reasons=(reason,), frame_hashes=frame_hashes)


def _frame_reason(error: FrameError) -> Reason:
    if error.code == "multiple_faces":
        return Reason("multiple_faces", f"第 {error.index + 1} 帧画面中有多张人脸，请确保只有本人在镜头前", frame=error.index)
    # Decoding errors (unreadable, too large, unsupported format) keep their own message.
    return Reason("unreadable_frame", f"第 {error.index + 1} 帧：{error.message}", frame=error.index)


def _check_frame_count(frames: list[Frame]) -> Reason | None:
    if MIN_FRAMES <= len(frames) <= MAX_FRAMES:
        return None
    message = f"需要 {MIN_FRAMES} 到 {MAX_FRAMES} 帧画面，收到 {len(frames)} 帧，请重新录制"
    return Reason("frame_count", message)


def _check_timestamps(frames: list[Frame], challenge: Challenge, now: datetime) -> Reason | None:
    reason = Reason("implausible_timestamps", "画面的拍摄时间不合理，请重新录制")
    times = [frame.captured_ms for frame in frames]
    if not all(isinstance(value, int | float) and math.isfinite(value) for value in times):
        return reason

    gaps = np.diff(times)
    if gaps.min() < MIN_FRAME_INTERVAL_MS or gaps.max() > MAX_FRAME_GAP_MS:
        return reason
    span = times[-1] - times[0]
    elapsed_ms = (now - challenge.issued_at).total_seconds() * 1000
    if span < MIN_SPAN_MS or span > elapsed_ms + CLOCK_SLACK_MS:
        return reason
    return None


def _check_byte_duplicates(frames: list[Frame]) -> Reason | None:
    first_seen: dict[bytes, int] = {}
    for index, frame in enumerate(frames):
        digest = hashlib.sha256(frame.data).digest()
        if digest in first_seen:
            return Reason("duplicate_frames", "上传的画面有重复，请重新录制", frame=index)
        first_seen[digest] = index
    return None


def _near_identical_pairs(hashes: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    # NOTE: near-identical frames are reported, not rejected. A person holding still in
    # front of a fixed camera gives frames 0-2 bits apart: all 435 pairs of 30 frames of
    # the blink clip are that close. A photo shifted by 8 px and re-encoded is 6 bits
    # from the original. So no bit limit rejects copied photos but passes a still person,
    # and copies are caught by the missing actions instead.
    pairs = []
    for first in range(len(hashes)):
        for second in range(first + 1, len(hashes)):
            if hamming(hashes[first], hashes[second]) <= NEAR_IDENTICAL_BITS:
                pairs.append((first, second))
    return tuple(pairs)


def _identity_frames(measures: list[FaceMeasures | None], baseline: Baseline, seen: dict[Action, int]) -> list[int]:
    """Pick the frames whose descriptors must agree: start, each action, end."""
    usable = [index for index, item in enumerate(measures) if item is not None and is_identity_frame(item, baseline)]
    if not usable:
        return []
    with_face = [index for index, item in enumerate(measures) if item is not None]
    targets = [with_face[0], *sorted(seen.values()), with_face[-1]]

    picked: list[int] = []
    for target in targets:
        nearest = min(usable, key=lambda index: (abs(index - target), index))
        if nearest not in picked:
            picked.append(nearest)
    return picked


def is_identity_frame(item: FaceMeasures, baseline: Baseline) -> bool:
    """Tell whether a frame faces the camera with open eyes, as frames for the identity check must."""
    return (
        abs(item.yaw_deg - baseline.yaw_deg) <= IDENTITY_MAX_YAW_CHANGE_DEG
        and abs(item.nose_drop / baseline.nose_drop - 1) <= STEADY_MAX_DROP_CHANGE
        and is_eye_open(item, baseline)
    )


def _check_identity(descriptors: tuple[FrameDescriptor, ...], model: DescriptorModel) -> list[Reason]:
    if len(descriptors) < 2:
        return [Reason("too_few_faces", "可用的正脸画面太少，请正对镜头重新录制")]
    vectors = np.stack([item.descriptor for item in descriptors])
    for position, item in enumerate(descriptors):
        distances = model.distances(item.descriptor, vectors[position + 1 :])
        for offset, distance in enumerate(distances):
            if distance > thresholds.SEQUENCE_IDENTITY_THRESHOLD:
                other = descriptors[position + 1 + offset].frame
                return [Reason("identity_changed", "画面中不是同一个人，请本人完成全部动作", frame=other)]
    return []
