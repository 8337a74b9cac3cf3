"""Time `check_liveness` on a realistic upload: 20 JPEG frames of 640x480 from a real clip."""
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aidface.face.liveness import Challenge, Frame, InMemoryNonceStore, check_liveness
from aidface.face.liveness_actions import Action

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
FRAME_COUNT = 20
# Capture rate of the sampled frames. 20 frames at this rate span 2.5 s.
FRAMES_PER_SECOND = 8


@dataclass(frozen=True)
class LivenessTiming:
    """Wall-clock milliseconds of whole `check_liveness` calls on the same frames."""

    frames: int
    width: int
    height: int
    median_ms: float
    p95_ms: float
    passed: bool


def frames_from_clip(clip: Path, *, count: int = FRAME_COUNT, start_s: float = 0.0) -> list[Frame]:
    """Decode `count` frames at FRAMES_PER_SECOND from `clip` with ffmpeg, as 640x480 JPEGs.

    The picture is scaled to fit and padded with black, as a phone's 4:3 capture would
    frame a face. Raises subprocess.CalledProcessError when ffmpeg fails.
    """
    fit = (
        f"fps={FRAMES_PER_SECOND},"
        f"scale={FRAME_WIDTH}:{FRAME_HEIGHT}:force_original_aspect_ratio=decrease,"
        f"pad={FRAME_WIDTH}:{FRAME_HEIGHT}:(ow-iw)/2:(oh-ih)/2"
    )
    with tempfile.TemporaryDirectory(prefix="aidface-liveness-") as folder:
        command = [
            "ffmpeg", "-v", "error", "-nostdin", "-ss", str(start_s), "-i", str(clip),
            "-vf", fit, "-frames:v", str(count), "-q:v", "3", f"{folder}/%03d.jpg",
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
        paths = sorted(Path(folder).glob("*.jpg"))
        return [Frame(data=path.read_bytes(), captured_ms=index * 1000 / FRAMES_PER_SECOND) for index, path in enumerate(paths)]


def time_check_liveness(frames: list[Frame], *, actions: tuple[Action, ...] = (Action.BLINK,), repeats: int = 5) -> LivenessTiming:
    """Run `check_liveness` `repeats` times on `frames` (a fresh challenge each time) and time it.

    The first call loads the dlib models and is not counted.
    """
    runs: list[float] = []
    passed = False
    for attempt in range(repeats + 1):
        now = datetime.now(UTC)
        challenge = Challenge(
            nonce=f"bench-{attempt}",
            actions=actions,
            issued_at=now - timedelta(seconds=30),
            expires_at=now + timedelta(seconds=60),
        )
        started = time.perf_counter()
        result = check_liveness(challenge, frames, nonce_store=InMemoryNonceStore(), now=now)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if attempt:
            runs.append(elapsed_ms)
        passed = result.passed

    runs.sort()
    height, width = _frame_size(frames[0])
    return LivenessTiming(
        frames=len(frames),
        width=width,
        height=height,
        median_ms=statistics.median(runs),
        p95_ms=runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))],
        passed=passed,
    )


def _frame_size(frame: Frame) -> tuple[int, int]:
    from aidface.face.decode import decode_image

    image = decode_image(frame.data)
    return image.height, image.width
