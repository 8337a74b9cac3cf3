"""Filming settings and the upload check shared by the JSON APIs of the capture pages.

The settings go out with each liveness challenge, and the check reads the frames that come back.

Used by the enrolment terminal, the check-in terminal and phone pages, and the
pre-departure confirmation terminal. Frames arrive as multipart files with a JSON list
of capture times, because 30-odd JPEG frames in a JSON body would exceed Django's
2.5 MB limit on request bodies.
"""
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from ninja import Schema
from ninja.files import UploadedFile

from aidface.face.liveness import MAX_FRAMES, Frame

# Prompts shown on the kiosk screen for each liveness action.
KIOSK_PROMPTS = {
    "blink": "请眨眼",
    "open_mouth": "请张嘴",
    "turn_left": "请向左转头",
    "turn_right": "请向右转头",
}
# Seconds the page films for each action, after a short lead-in facing the camera.
SECONDS_PER_ACTION = 3.5
LEAD_IN_SECONDS = 1.0
# Frames per second the page captures; with two actions this stays under MAX_FRAMES.
FRAMES_PER_SECOND = 4
# The largest frame or photo file accepted.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class IssuedChallenge(Protocol):
    nonce: str
    actions: Sequence[object]
    expires_at: datetime


class ChallengeOut(Schema):
    nonce: str
    actions: list[str]
    prompts: list[str]
    expires_at: str
    seconds_per_action: float
    lead_in_seconds: float
    frames_per_second: int


def challenge_out(issued: IssuedChallenge, *, prompts: Sequence[str] | None = None) -> dict:
    """Build the `ChallengeOut` response for an issued challenge; `prompts` default to the kiosk's."""
    actions = [str(action) for action in issued.actions]
    return {
        "nonce": issued.nonce,
        "actions": actions,
        "prompts": list(prompts) if prompts is not None else [KIOSK_PROMPTS[action] for action in actions],
        "expires_at": issued.expires_at.isoformat(),
        "seconds_per_action": SECONDS_PER_ACTION,
        "lead_in_seconds": LEAD_IN_SECONDS,
        "frames_per_second": FRAMES_PER_SECOND,
    }


class FrameUploadError(Exception):
    """Uploaded frames that cannot be checked; `message` is the Chinese sentence shown to the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def read_frames(frames: Sequence[UploadedFile], captured_ms: str, *, retry: str) -> list[Frame]:
    """Read the uploaded frames with their capture times, or raise FrameUploadError.

    `captured_ms` is a JSON list of capture times, one per frame. `retry` ends the
    error message with the step the user repeats, e.g. "请重新采集".
    """
    try:
        times = json.loads(captured_ms)
    except ValueError:
        times = None
    if not isinstance(times, list) or len(times) != len(frames) or len(frames) > MAX_FRAMES:
        raise FrameUploadError("frames_invalid", f"上传的画面不完整，{retry}")
    if any(upload.size > MAX_UPLOAD_BYTES for upload in frames):
        raise FrameUploadError("frames_invalid", f"画面文件过大，{retry}")
    return [Frame(data=upload.read(), captured_ms=time) for upload, time in zip(frames, times, strict=True)]
