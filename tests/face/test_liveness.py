"""Action liveness on real frames: clips of a blink, a head turn and talking, and gallery photos.

Frame numbers are ffmpeg's, counting from 1. Capture times follow each clip's own frame
rate, so the spans and gaps are those of the real recordings.
"""
import io
import random
import subprocess
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from aidface.face import thresholds
from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.liveness import (
    CHALLENGE_LIFETIME,
    Challenge,
    Frame,
    InMemoryNonceStore,
    check_liveness,
    issue_challenge,
)
from aidface.face.liveness_actions import BLINK_CLOSED_RATIO, MOUTH_OPEN_RISE, Action, measure_baseline
from aidface.face.liveness_bench import frames_from_clip, time_check_liveness
from aidface.face.liveness_frames import analyse_frames

BLINK_FPS = 287 / 12
TALKING_FPS = 25
TURN_FPS = 10


def _extract(clip, folder) -> list:
    """Decode every frame of `clip` to JPEG with ffmpeg. Item i is ffmpeg's frame i + 1."""
    folder.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(clip), "-q:v", "2", str(folder / "%03d.jpg")], check=True)
    return sorted(folder.glob("*.jpg"))


@pytest.fixture(scope="module")
def clips(faces_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("liveness-clips")
    liveness = faces_dir / "liveness"
    return {
        "blink": _extract(liveness / "blink_selfie_14s.mp4", root / "blink"),
        "talking": _extract(liveness / "talking_face_crop_3s.mp4", root / "talking"),
        "turn": _extract(liveness / "head_turn_annotated.gif", root / "turn"),
    }


@pytest.fixture(scope="module")
def gallery(faces_dir):
    return faces_dir / "asian" / "gallery"


def _clip_frames(clips, clip: str, numbers, fps: float, *, offset_ms: float = 0.0) -> list[Frame]:
    paths = clips[clip]
    return [Frame(data=paths[number - 1].read_bytes(), captured_ms=offset_ms + (number - 1) * 1000 / fps) for number in numbers]


def _camera_variant(path, shift: int, *, quality: int = 90, width_scale: float = 1.0, height_scale: float = 1.0) -> bytes:
    """Re-encode a photo as a slightly shifted camera frame, optionally stretched like a tilted print."""
    with Image.open(path) as source:
        image = source.convert("RGB")
    width, height = image.size
    image = image.crop((shift, shift // 2, width - 3 + shift % 4, height - shift % 3))
    if width_scale != 1.0 or height_scale != 1.0:
        size = (round(image.width * width_scale), round(image.height * height_scale))
        image = image.resize(size, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _timed(datas: list[bytes], *, step_ms: float = 200.0) -> list[Frame]:
    return [Frame(data=data, captured_ms=index * step_ms) for index, data in enumerate(datas)]


def _challenge(*actions: Action, age_s: float = 30.0, now: datetime | None = None) -> Challenge:
    now = now or datetime.now(UTC)
    issued_at = now - timedelta(seconds=age_s)
    return Challenge(nonce=f"test-{random.random()}", actions=actions, issued_at=issued_at, expires_at=issued_at + CHALLENGE_LIFETIME)


def _check(challenge: Challenge, frames: list[Frame], *, store=None, now=None):
    return check_liveness(challenge, frames, nonce_store=store or InMemoryNonceStore(), now=now)


def _codes(result) -> list[str]:
    return [reason.code for reason in result.reasons]


# --- challenges and nonces -------------------------------------------------------------


def test_challenge_has_two_different_actions():
    challenge = issue_challenge()
    assert len(challenge.actions) == 2
    assert len(set(challenge.actions)) == 2
    assert set(challenge.actions) <= set(Action)


def test_challenge_expires_after_90_seconds():
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    challenge = issue_challenge(now=now)
    assert challenge.issued_at == now
    assert challenge.expires_at - challenge.issued_at == timedelta(seconds=90)


def test_challenge_nonce_is_unique_and_long():
    nonces = {issue_challenge(rng=random.Random(1)).nonce for _ in range(50)}
    assert len(nonces) == 50
    assert min(len(nonce) for nonce in nonces) >= 32


def test_challenge_order_varies():
    orders = {issue_challenge(rng=random.Random(seed)).actions for seed in range(40)}
    assert len(orders) >= 8


def test_challenge_draws_from_allowed_actions():
    allowed = (Action.TURN_LEFT, Action.TURN_RIGHT)
    drawn = {issue_challenge(rng=random.Random(seed), allowed_actions=allowed).actions for seed in range(20)}
    assert drawn == {allowed, allowed[::-1]}


def test_challenge_accepts_action_names():
    challenge = issue_challenge(rng=random.Random(2), allowed_actions=["blink", "open_mouth", "blink"])
    assert set(challenge.actions) == {Action.BLINK, Action.OPEN_MOUTH}


@pytest.mark.parametrize("allowed", [[], ["blink"], ["blink", "blink"], ["blink", "nod"]])
def test_challenge_rejects_unusable_action_pool(allowed):
    with pytest.raises(ValueError):
        issue_challenge(allowed_actions=allowed)


def test_challenge_prompts_are_chinese():
    challenge = issue_challenge(rng=random.Random(3))
    assert len(challenge.prompts) == 2
    assert all(prompt.startswith("请") for prompt in challenge.prompts)


def test_nonce_store_allows_one_use():
    store = InMemoryNonceStore()
    expires_at = datetime.now(UTC) + timedelta(seconds=90)
    assert store.consume("abc", expires_at=expires_at)
    assert not store.consume("abc", expires_at=expires_at)
    assert store.consume("other", expires_at=expires_at)


def test_nonce_store_is_atomic_across_threads():
    store = InMemoryNonceStore()
    expires_at = datetime.now(UTC) + timedelta(seconds=90)
    outcomes: list[bool] = []
    barrier = threading.Barrier(8)

    def attempt():
        barrier.wait()
        outcomes.append(store.consume("shared", expires_at=expires_at))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(True) == 1


# --- real sequences that pass ---------------------------------------------------------


def test_blink_clip_passes(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    result = _check(_challenge(Action.BLINK), frames)
    assert result.passed, result.reasons
    assert result.action_frames[Action.BLINK] == 5  # ffmpeg frame 11, the first closure


def test_blink_behind_glasses_passes(clips):
    frames = _clip_frames(clips, "talking", range(1, 76, 2), TALKING_FPS)
    result = _check(_challenge(Action.BLINK), frames)
    assert result.passed, result.reasons
    assert result.action_frames[Action.BLINK] == 8  # ffmpeg frame 17


def test_turn_left_then_right_passes(clips):
    frames = _clip_frames(clips, "turn", range(1, 37), TURN_FPS)
    result = _check(_challenge(Action.TURN_LEFT, Action.TURN_RIGHT), frames)
    assert result.passed, result.reasons
    assert result.action_frames[Action.TURN_LEFT] < result.action_frames[Action.TURN_RIGHT]


def test_open_mouth_from_photos_passes(gallery):
    # Two photos of one man: mouth nearly closed (1.jpg) and opened wide while speaking (2.jpg).
    closed = gallery / "lfw_Zhang_Wenkang" / "1.jpg"
    opened = gallery / "lfw_Zhang_Wenkang" / "2.jpg"
    datas = [_camera_variant(closed, shift) for shift in range(3)]
    datas += [_camera_variant(opened, shift) for shift in range(3)]
    datas += [_camera_variant(closed, shift) for shift in range(3, 5)]
    result = _check(_challenge(Action.OPEN_MOUTH), _timed(datas))
    assert result.passed, result.reasons
    assert result.action_frames[Action.OPEN_MOUTH] == 3


def test_shouting_photo_passes_open_mouth(gallery):
    folder = gallery / "lfw_Michael_Chang"
    datas = [_camera_variant(folder / "2.jpg", shift) for shift in range(3)]
    datas += [_camera_variant(folder / "5.jpg", shift) for shift in range(2)]
    datas += [_camera_variant(folder / "2.jpg", shift) for shift in range(3, 5)]
    result = _check(_challenge(Action.OPEN_MOUTH), _timed(datas))
    assert result.passed, result.reasons


def test_passing_result_carries_descriptors(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    result = _check(_challenge(Action.BLINK), frames)
    assert len(result.descriptors) >= 2
    assert result.model_id == DEFAULT_MODEL.model_id
    assert result.model_version == DEFAULT_MODEL.version
    assert all(item.descriptor.shape == (DEFAULT_MODEL.dimension,) for item in result.descriptors)
    assert len(result.frame_hashes) == len(frames)


def test_same_person_stays_under_threshold(clips):
    frames = _clip_frames(clips, "turn", range(1, 37), TURN_FPS)
    result = _check(_challenge(Action.TURN_LEFT, Action.TURN_RIGHT), frames)
    vectors = np.stack([item.descriptor for item in result.descriptors])
    farthest = max(float(np.linalg.norm(a - b)) for a in vectors for b in vectors)
    assert farthest < thresholds.SEQUENCE_IDENTITY_THRESHOLD


# --- actions missing or out of order ----------------------------------------------------


def test_wrong_turn_order_fails(clips):
    frames = _clip_frames(clips, "turn", range(1, 37), TURN_FPS)
    result = _check(_challenge(Action.TURN_RIGHT, Action.TURN_LEFT), frames)
    assert not result.passed
    assert _codes(result) == ["action_order"]
    assert result.reasons[0].action is Action.TURN_LEFT


def test_missing_blink_names_the_action(clips):
    # Frames 46-81 of the blink clip: eyes open throughout.
    frames = _clip_frames(clips, "blink", range(46, 82, 2), BLINK_FPS)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert result.reasons[0].code == "action_missing"
    assert result.reasons[0].message == "未检测到眨眼，请按提示眨眼"


def test_eyes_kept_shut_is_no_blink(clips):
    # Open until frame 263, then closed from frame 264 to 328. They reopen only later.
    frames = _clip_frames(clips, "blink", range(246, 329, 3), BLINK_FPS)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert "action_missing" in _codes(result)


def test_talking_is_no_open_mouth(clips):
    frames = _clip_frames(clips, "talking", range(1, 76, 2), TALKING_FPS)
    result = _check(_challenge(Action.BLINK, Action.OPEN_MOUTH), frames)
    assert not result.passed
    assert [(reason.code, reason.action) for reason in result.reasons] == [("action_missing", Action.OPEN_MOUTH)]


def test_still_face_is_no_turn(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    result = _check(_challenge(Action.BLINK, Action.TURN_LEFT), frames)
    assert not result.passed
    assert [(reason.code, reason.action) for reason in result.reasons] == [("action_missing", Action.TURN_LEFT)]


# --- attacks --------------------------------------------------------------------------


def test_still_photo_attack_fails(clips):
    # One real frame, shifted by a few pixels and re-encoded at falling JPEG quality.
    source = clips["blink"][4]
    datas = [_camera_variant(source, shift, quality=95 - 3 * shift) for shift in range(12)]
    result = _check(_challenge(Action.BLINK, Action.OPEN_MOUTH), _timed(datas))
    assert not result.passed
    assert _codes(result) == ["action_missing", "action_missing"]


def test_repeated_frame_bytes_fail(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    frames[20] = Frame(data=frames[3].data, captured_ms=frames[20].captured_ms)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert _codes(result) == ["duplicate_frames"]
    assert result.reasons[0].frame == 20


def test_tilted_photo_is_no_blink(clips):
    # A print tilted back shrinks the eye aspect ratio like a blink does.
    source = clips["blink"][4]
    scales = [1, 1, 1, 0.9, 0.8, 0.7, 0.6, 0.7, 0.8, 0.9, 1, 1]
    datas = [_camera_variant(source, shift, height_scale=scale) for shift, scale in enumerate(scales)]
    measures = analyse_frames(datas).measures
    baseline = measure_baseline(measures)
    assert measures[6].eye_ratio < BLINK_CLOSED_RATIO * baseline.eye_ratio  # a plain ratio rule would pass it

    result = _check(_challenge(Action.BLINK), _timed(datas))
    assert not result.passed
    assert _codes(result) == ["action_missing"]


def test_turned_photo_is_no_turn(gallery):
    source = gallery / "lfw_Zhang_Wenkang" / "2.jpg"
    scales = [1, 1, 1, 0.9, 0.8, 0.7, 0.75, 0.8, 0.9, 1, 1]
    datas = [_camera_variant(source, shift, width_scale=scale) for shift, scale in enumerate(scales)]
    result = _check(_challenge(Action.TURN_LEFT), _timed(datas))
    assert not result.passed
    assert _codes(result) == ["action_missing"]


def test_turned_photo_is_no_open_mouth(gallery):
    # Narrowing a photo of an open mouth raises its mouth aspect ratio.
    source = gallery / "lfw_Zhang_Wenkang" / "2.jpg"
    scales = [1, 1, 1, 0.9, 0.8, 0.75, 0.8, 0.9, 1, 1]
    datas = [_camera_variant(source, shift, width_scale=scale) for shift, scale in enumerate(scales)]
    measures = analyse_frames(datas).measures
    baseline = measure_baseline(measures)
    assert max(item.mouth_ratio for item in measures) - baseline.mouth_ratio > MOUTH_OPEN_RISE

    result = _check(_challenge(Action.OPEN_MOUTH), _timed(datas))
    assert not result.passed
    assert _codes(result) == ["action_missing"]


def test_identity_swap_between_clips_fails(clips):
    # He blinks (blink clip), then she turns (head-turn clip): both actions are real.
    frames = _clip_frames(clips, "blink", range(1, 41, 2), BLINK_FPS)
    frames += _clip_frames(clips, "turn", range(1, 17), TURN_FPS, offset_ms=2000)
    result = _check(_challenge(Action.BLINK, Action.TURN_LEFT), frames)
    assert not result.passed
    assert _codes(result) == ["identity_changed"]


def test_identity_swap_to_photos_fails(clips, gallery):
    # He blinks, then photos of another man opening his mouth take over mid-sequence.
    frames = _clip_frames(clips, "blink", range(1, 25, 2), BLINK_FPS)
    closed = gallery / "lfw_Zhang_Wenkang" / "1.jpg"
    opened = gallery / "lfw_Zhang_Wenkang" / "2.jpg"
    datas = [_camera_variant(opened, shift) for shift in range(3)] + [_camera_variant(closed, shift) for shift in range(2)]
    frames += [Frame(data=data, captured_ms=1200 + 150 * index) for index, data in enumerate(datas)]
    result = _check(_challenge(Action.BLINK, Action.OPEN_MOUTH), frames)
    assert not result.passed
    assert "identity_changed" in _codes(result)


def test_second_face_in_frame_fails(clips, gallery):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    with Image.open(clips["blink"][10]) as first, Image.open(gallery / "lfw_Zhang_Wenkang" / "2.jpg") as second:
        other = second.convert("RGB").resize((first.width, first.width))
        canvas = Image.new("RGB", (first.width * 2, first.height))
        canvas.paste(first.convert("RGB"), (0, 0))
        canvas.paste(other, (first.width, (first.height - other.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    frames[10] = Frame(data=buffer.getvalue(), captured_ms=frames[10].captured_ms)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert _codes(result) == ["multiple_faces"]
    assert result.reasons[0].frame == 10


def test_frames_without_face_fail(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    with Image.open(clips["blink"][0]) as image:
        corner = image.convert("RGB").crop((0, 0, 120, 120))
    buffer = io.BytesIO()
    corner.save(buffer, "JPEG", quality=90)
    for index in range(1, 30, 2):
        shifted = np.roll(np.asarray(corner), index, axis=1)
        out = io.BytesIO()
        Image.fromarray(shifted).save(out, "JPEG", quality=90)
        frames[index] = Frame(data=out.getvalue(), captured_ms=frames[index].captured_ms)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert _codes(result) == ["too_few_faces"]


def test_truncated_frame_fails(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    frames[7] = Frame(data=frames[7].data[: len(frames[7].data) // 2], captured_ms=frames[7].captured_ms)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert _codes(result) == ["unreadable_frame"]
    assert result.reasons[0].frame == 7


# --- freshness, counts and timestamps -----------------------------------------------


def test_expired_challenge_fails(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    challenge = _challenge(Action.BLINK)
    result = _check(challenge, frames, now=challenge.expires_at + timedelta(seconds=1))
    assert not result.passed
    assert _codes(result) == ["challenge_expired"]


def test_reused_nonce_fails(clips):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    challenge = _challenge(Action.BLINK)
    store = InMemoryNonceStore()
    first = _check(challenge, frames, store=store)
    second = _check(challenge, frames, store=store)
    assert first.passed
    assert not second.passed
    assert _codes(second) == ["nonce_reused"]


def test_failed_attempt_uses_up_nonce(clips):
    challenge = _challenge(Action.BLINK)
    store = InMemoryNonceStore()
    _check(challenge, _clip_frames(clips, "blink", range(1, 6), BLINK_FPS), store=store)
    result = _check(challenge, _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS), store=store)
    assert _codes(result) == ["nonce_reused"]


@pytest.mark.parametrize("count", [0, 5, 41])
def test_frame_count_outside_range_fails(clips, count):
    frames = _clip_frames(clips, "blink", range(1, 1 + 2 * count, 2), BLINK_FPS)
    result = _check(_challenge(Action.BLINK), frames)
    assert not result.passed
    assert _codes(result) == ["frame_count"]


def test_frame_count_limits_pass(clips):
    assert _check(_challenge(Action.BLINK), _clip_frames(clips, "blink", range(1, 31, 5), BLINK_FPS)).passed
    assert _check(_challenge(Action.BLINK), _clip_frames(clips, "blink", range(1, 81, 2), BLINK_FPS)).passed


def _retimed(frames: list[Frame], times: list[float]) -> list[Frame]:
    return [Frame(data=frame.data, captured_ms=time) for frame, time in zip(frames, times, strict=True)]


@pytest.mark.parametrize(
    "case",
    ["backwards", "too_fast", "too_short", "gap", "longer_than_challenge", "not_a_number"],
)
def test_implausible_timestamps_fail(clips, case):
    frames = _clip_frames(clips, "blink", range(1, 61, 2), BLINK_FPS)
    times = [frame.captured_ms for frame in frames]
    if case == "backwards":
        times[10], times[11] = times[11], times[10]
    elif case == "too_fast":
        times[11] = times[10] + 5
    elif case == "too_short":
        times = [index * 30.0 for index in range(len(frames))]
    elif case == "gap":
        times = [time + (6000 if index >= 15 else 0) for index, time in enumerate(times)]
    elif case == "longer_than_challenge":
        times = [index * 1500.0 for index in range(len(frames))]
    else:
        times[4] = float("nan")
    result = _check(_challenge(Action.BLINK, age_s=20), _retimed(frames, times))
    assert not result.passed
    assert _codes(result) == ["implausible_timestamps"]


# --- measurement for the benchmark -----------------------------------------------------


def test_bench_frames_are_640_by_480(faces_dir):
    frames = frames_from_clip(faces_dir / "liveness" / "blink_selfie_14s.mp4")
    timing = time_check_liveness(frames, repeats=1)
    assert timing.frames == 20
    assert (timing.width, timing.height) == (640, 480)
    assert timing.passed
    assert timing.median_ms > 0
