"""Time each step of a verification on photos of three sizes, and the same work in face_recognition.

Plain functions behind the `bench_face` command. face_recognition is not a dependency of
aidface: install it for the benchmark only with
`pip install --no-deps face_recognition==1.3.0` (without --no-deps its `dlib`
requirement compiles dlib from source). When it is missing the comparison is skipped.
"""
import importlib.metadata
import importlib.util
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import dlib
import numpy as np
from PIL import Image

from aidface.face.decode import decode_image
from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.detect import detect_boxes, landmarks_for_box
from aidface.face.templates import LIVE, Gallery
from aidface.face.verify import describe, verify

# Frame sizes a terminal camera, a phone video frame and a phone photo produce.
SIZES = {"480p": (640, 480), "1080p": (1920, 1080), "12MP": (4000, 3000)}
# Share of the frame height the head photo fills, as in a selfie at arm's length.
HEAD_HEIGHT_FRACTION = 0.6
STAGES = ("decode", "detect", "landmarks", "descriptor", "compare", "verify")
FACE_RECOGNITION_MISSING = (
    "face_recognition is not installed, so the comparison is skipped. Install it for the "
    "benchmark only: .venv/bin/pip install --no-deps face_recognition==1.3.0"
)


@dataclass
class StageTimes:
    """Milliseconds per run of each stage for one image and one library."""

    library: str
    size: str
    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, stage: str, milliseconds: float) -> None:
        self.samples.setdefault(stage, []).append(milliseconds)

    def median(self, stage: str) -> float:
        return statistics.median(self.samples[stage])

    def p95(self, stage: str) -> float:
        values = sorted(self.samples[stage])
        return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def dlib_build() -> str:
    """Describe the dlib build in use: the distribution that installed it and its BLAS use."""
    for distribution in ("dlib", "dlib-bin"):
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
        blas = "with BLAS" if dlib.DLIB_USE_BLAS else "without BLAS"
        return f"{distribution} {version} ({blas}, AVX {'on' if dlib.USE_AVX_INSTRUCTIONS else 'off'})"
    return f"dlib {dlib.__version__} (unknown distribution)"


def face_recognition_available() -> bool:
    return importlib.util.find_spec("face_recognition") is not None


def make_bench_images(photo: Path, folder: Path) -> dict[str, Path]:
    """Write one JPEG per size in SIZES, each the real head photo centred on a grey frame."""
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(photo) as source:
        head = source.convert("RGB")
    images = {}
    for name, (width, height) in SIZES.items():
        scale = HEAD_HEIGHT_FRACTION * height / head.height
        resized = head.resize((round(head.width * scale), round(head.height * scale)), Image.Resampling.BICUBIC)
        frame = Image.new("RGB", (width, height), (118, 122, 126))
        frame.paste(resized, ((width - resized.width) // 2, (height - resized.height) // 2))
        path = folder / f"{name}.jpg"
        frame.save(path, "JPEG", quality=90)
        images[name] = path
    return images


def gallery_for(reference_photos: list[Path]) -> Gallery:
    """Build a 3-reference live gallery from photos of the benchmark's person."""
    gallery = Gallery.empty()
    for path in reference_photos:
        gallery = gallery.add(describe(path.read_bytes(), check_quality=False).descriptor, source=LIVE)
    return gallery


def time_aidface(size: str, data: bytes, gallery: Gallery, *, repeats: int) -> StageTimes:
    """Time aidface's steps on one photo; the first run loads the models and is not counted."""
    times = StageTimes("aidface", size)
    for run in range(repeats + 1):
        record = times.add if run else (lambda stage, milliseconds: None)

        image = _timed(record, "decode", lambda: decode_image(data))
        boxes = _timed(record, "detect", lambda: detect_boxes(image.rgb))
        face = _timed(record, "landmarks", lambda: landmarks_for_box(image.rgb, boxes[0]))
        descriptor = _timed(record, "descriptor", lambda: DEFAULT_MODEL.describe(face))
        probe = describe(data, check_quality=False)
        _timed(record, "compare", lambda: verify(gallery, probe, purpose="check_in"))
        _timed(record, "verify", lambda: _whole_verify(data, gallery))
        assert descriptor.shape == (DEFAULT_MODEL.dimension,)
    return times


def _whole_verify(data: bytes, gallery: Gallery) -> bool:
    # describe() measures every quality gate; the benchmark times them without rejecting.
    probe = describe(data, check_quality=False)
    return verify(gallery, probe, purpose="check_in").passed


def time_face_recognition(size: str, path: Path, known: list[np.ndarray], *, repeats: int) -> StageTimes:
    """Time the same steps through face_recognition's documented defaults (HOG with one upsampling)."""
    import face_recognition

    times = StageTimes("face_recognition", size)
    for run in range(repeats + 1):
        record = times.add if run else (lambda stage, milliseconds: None)

        image = _timed(record, "decode", lambda: face_recognition.load_image_file(str(path)))
        boxes = _timed(record, "detect", lambda: face_recognition.face_locations(image))
        _timed(record, "landmarks", lambda: face_recognition.face_landmarks(image, boxes, model="small"))
        encodings = _timed(record, "descriptor", lambda: face_recognition.face_encodings(image, boxes))
        _timed(record, "compare", lambda: face_recognition.face_distance(known, encodings[0]))
        _timed(record, "verify", lambda: _face_recognition_verify(face_recognition, path, known))
    return times


def _face_recognition_verify(face_recognition, path: Path, known: list[np.ndarray]) -> bool:
    image = face_recognition.load_image_file(str(path))
    encodings = face_recognition.face_encodings(image, face_recognition.face_locations(image))
    return bool(min(face_recognition.face_distance(known, encodings[0])) <= 0.6)


def _timed(record: Callable[[str, float], None], stage: str, work: Callable):
    started = time.perf_counter()
    result = work()
    record(stage, 1000 * (time.perf_counter() - started))
    return result


def report_lines(results: list[StageTimes]) -> list[str]:
    """Format one line per library, size and stage, then the verify ratio per size."""
    lines = [f"{'library':<17} {'size':<6} {'stage':<11} {'median ms':>10} {'p95 ms':>9}"]
    for times in results:
        for stage in STAGES:
            lines.append(f"{times.library:<17} {times.size:<6} {stage:<11} {times.median(stage):>10.1f} {times.p95(stage):>9.1f}")
    by_key = {(times.library, times.size): times for times in results}
    for size in SIZES:
        ours = by_key.get(("aidface", size))
        if ours is not None:
            share = ours.median("descriptor") / ours.median("verify")
            lines.append(f"aidface {size}: descriptor is {share:.0%} of the whole verify")
    for size in SIZES:
        ours, theirs = by_key.get(("aidface", size)), by_key.get(("face_recognition", size))
        if ours is not None and theirs is not None:
            lines.append(f"ratio aidface/face_recognition {size} verify: {ours.median('verify') / theirs.median('verify'):.2f}")
    return lines



def run_benchmark(images: dict[str, Path], references: list[Path], *, repeats: int = 10,
                  compare_face_recognition: bool = True) -> list[StageTimes]:
    """Time aidface, and face_recognition when installed and wanted, on every image."""
    gallery = gallery_for(references)
    results = [time_aidface(size, path.read_bytes(), gallery, repeats=repeats) for size, path in images.items()]
    if compare_face_recognition and face_recognition_available():
        import face_recognition

        known = [face_recognition.face_encodings(face_recognition.load_image_file(str(path)))[0] for path in references]
        results += [time_face_recognition(size, path, known, repeats=repeats) for size, path in images.items()]
    return results
