"""Evaluate verification on labelled pairs or on a gallery of identity folders.

Descriptors are computed once per file within a run (dlib's descriptor costs tens of
milliseconds per face), optionally in several worker processes because the descriptor
holds the GIL.
"""
import csv
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from aidface.face import metrics, thresholds
from aidface.face.decode import decode_image
from aidface.face.descriptor import DEFAULT_MODEL, DlibResnet
from aidface.face.detect import Box, detect_boxes, landmarks_for_box
from aidface.face.errors import FaceError
from aidface.face.verify import mean_reference

# Face box of a deep-funneled LFW image, as fractions of width and height (left, top,
# right, bottom): the median HOG box over the 807 LFW fold 1 images.
# Used when HOG finds no face, because the benchmark's subject is always centred.
CENTRED_FALLBACK_BOX = (0.308, 0.356, 0.724, 0.756)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".heic", ".heif"})


@dataclass(frozen=True)
class FileResult:
    """Descriptor of one evaluated file; `descriptor` is None when it could not be read."""

    descriptor: np.ndarray | None
    detected: bool
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class EvaluationOptions:
    """Descriptor settings of one evaluation run."""

    model: DlibResnet = DEFAULT_MODEL
    fallback_box: bool = True
    workers: int = 1
    # "mean": distance to the unit-length mean of the references, as check-in does;
    # "min": smallest distance over the references.
    gallery_rule: str = "mean"


@dataclass
class DescriptorCache:
    """Descriptors of the files seen in one evaluation run, keyed by absolute path."""

    options: EvaluationOptions = field(default_factory=EvaluationOptions)
    results: dict[str, FileResult] = field(default_factory=dict)

    def load(self, paths: list[str]) -> None:
        """Describe every path not yet in the cache."""
        missing = sorted({path for path in paths if path not in self.results})
        if not missing:
            return
        arguments = [(path, self.options.model, self.options.fallback_box) for path in missing]
        if self.options.workers > 1:
            with ProcessPoolExecutor(max_workers=self.options.workers) as pool:
                described = list(pool.map(_describe_task, arguments, chunksize=8))
        else:
            described = [_describe_task(argument) for argument in arguments]
        self.results.update(zip(missing, described))

    def distance(self, left: str, right: str) -> float:
        """Return the distance of two cached files, infinite when either has no descriptor."""
        return self.gallery_distance(left, [right])

    def gallery_distance(self, probe: str, references: list[str]) -> float:
        """Return the distance from the probe to the references by the options' gallery rule."""
        probe_vector = self.results[probe].descriptor
        vectors = [self.results[path].descriptor for path in references]
        vectors = [vector for vector in vectors if vector is not None]
        if probe_vector is None or not vectors:
            return float("inf")
        rows = np.stack(vectors)
        if self.options.gallery_rule == "mean" and len(rows) > 1:
            rows = mean_reference(rows)
        return float(self.options.model.distances(probe_vector, rows).min())


def describe_file(path: str, *, model: DlibResnet = DEFAULT_MODEL, fallback_box: bool = True) -> FileResult:
    """Describe the face nearest the centre of an image file, as benchmark protocols expect."""
    started = time.perf_counter()
    try:
        image = decode_image(Path(path).read_bytes())
    except (FaceError, OSError) as error:
        return FileResult(None, False, time.perf_counter() - started, getattr(error, "code", str(error)))

    rgb = image.rgb
    boxes = detect_boxes(rgb) or detect_boxes(rgb, upsample=1)
    detected = bool(boxes)
    if boxes:
        box = _nearest_centre(boxes, rgb.shape)
    elif fallback_box:
        box = _centred_box(rgb.shape)
    else:
        return FileResult(None, False, time.perf_counter() - started, "no_face")

    face = landmarks_for_box(rgb, box)
    descriptor = model.describe(face)
    return FileResult(descriptor, detected, time.perf_counter() - started)


def _describe_task(argument: tuple[str, DlibResnet, bool]) -> FileResult:
    path, model, fallback_box = argument
    return describe_file(path, model=model, fallback_box=fallback_box)


def _nearest_centre(boxes: list[Box], shape: tuple[int, ...]) -> Box:
    centre_x, centre_y = shape[1] / 2, shape[0] / 2

    def offset(box: Box) -> float:
        return ((box[0] + box[2]) / 2 - centre_x) ** 2 + ((box[1] + box[3]) / 2 - centre_y) ** 2

    return min(boxes, key=offset)


def _centred_box(shape: tuple[int, ...]) -> Box:
    height, width = shape[:2]
    left, top, right, bottom = CENTRED_FALLBACK_BOX
    return round(left * width), round(top * height), round(right * width), round(bottom * height)


def read_pairs(pairs_path: str | Path) -> list[tuple[str, str, bool]]:
    """Read a `left<TAB>right<TAB>same` file; paths are relative to the file's folder."""
    base = Path(pairs_path).resolve().parent
    pairs = []
    with open(pairs_path, newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if not row or row[0] == "left":
                continue
            left, right, same = row[0], row[1], row[2]
            pairs.append((str(base / left), str(base / right), same.strip() == "1"))
    return pairs


def evaluate_pairs(pairs_path: str | Path, *, options: EvaluationOptions | None = None,
                   cache: DescriptorCache | None = None) -> dict:
    """Evaluate 1:1 verification on a pairs file and return the report as a dict."""
    options = options or EvaluationOptions()
    cache = cache or DescriptorCache(options=options)
    pairs = read_pairs(pairs_path)

    started = time.perf_counter()
    cache.load([path for left, right, _ in pairs for path in (left, right)])
    genuine = np.array([cache.distance(left, right) for left, right, same in pairs if same])
    impostor = np.array([cache.distance(left, right) for left, right, same in pairs if not same])
    elapsed = time.perf_counter() - started

    files = {path for left, right, _ in pairs for path in (left, right)}
    report = _report(genuine, impostor, options)
    report.update(
        mode="pairs",
        pairs_file=str(pairs_path),
        pairs=len(pairs),
        files=len(files),
        failures_to_detect=sum(not cache.results[path].detected for path in files),
        failures_to_read=sorted(os.path.relpath(p, Path(pairs_path).parent) for p in files if cache.results[p].descriptor is None),
        seconds_per_pair=elapsed / max(1, len(pairs)),
        descriptor_ms_per_file=1000 * float(np.mean([cache.results[path].seconds for path in files])),
    )
    return report


def evaluate_gallery(gallery_dir: str | Path, *, references: int, options: EvaluationOptions | None = None,
                     cache: DescriptorCache | None = None) -> dict:
    """Evaluate check-in against galleries of `references` images per identity.

    Each image of an identity with more than `references` images is a probe against a
    gallery of the next `references` images of the same identity (in file-name order,
    wrapping round), which gives one genuine attempt per image. Impostor attempts compare
    every probe with the gallery of the first `references` images of every other identity,
    restricted to the same gender when an `identities.tsv` with a gender column lies
    beside or above the folder.
    """
    options = options or EvaluationOptions()
    cache = cache or DescriptorCache(options=options)
    identities = _identity_files(Path(gallery_dir))
    genders = _genders(Path(gallery_dir))

    started = time.perf_counter()
    cache.load([path for paths in identities.values() for path in paths])
    galleries = {name: paths[:references] for name, paths in identities.items() if len(paths) >= references}

    genuine, impostor = [], []
    for name, paths in identities.items():
        if len(paths) <= references:
            continue
        for index, probe in enumerate(paths):
            own = [paths[(index + step) % len(paths)] for step in range(1, references + 1)]
            genuine.append(cache.gallery_distance(probe, own))
            for other, gallery in galleries.items():
                if other != name and _same_gender(genders, name, other):
                    impostor.append(cache.gallery_distance(probe, gallery))
    elapsed = time.perf_counter() - started

    genuine_array, impostor_array = np.array(genuine), np.array(impostor)
    report = _report(genuine_array, impostor_array, options)
    report.update(
        mode="gallery",
        gallery_dir=str(gallery_dir),
        references=references,
        gallery_rule=options.gallery_rule,
        identities=len(identities),
        probe_identities=sum(len(paths) > references for paths in identities.values()),
        genuine_attempts=len(genuine),
        impostor_attempts=len(impostor),
        impostors_same_gender_only=bool(genders),
        failures_to_detect=sum(not cache.results[p].detected for paths in identities.values() for p in paths),
        seconds_per_attempt=elapsed / max(1, len(genuine) + len(impostor)),
    )
    return report


def _report(genuine: np.ndarray, impostor: np.ndarray, options: EvaluationOptions) -> dict:
    accuracy, best_threshold = metrics.best_accuracy(genuine, impostor)
    return {
        "accuracy": accuracy,
        "best_threshold": best_threshold,
        "roc_auc": metrics.roc_auc(genuine, impostor),
        "genuine": len(genuine),
        "impostor": len(impostor),
        "model_id": options.model.model_id,
        "model_version": options.model.version,
        "fallback_box": options.fallback_box,
        "at_enrolment_threshold": metrics.rates_at(genuine, impostor, thresholds.ENROLMENT_THRESHOLD).as_dict(),
        "at_check_in_threshold": metrics.rates_at(genuine, impostor, thresholds.CHECK_IN_THRESHOLD).as_dict(),
        "at_fmr_1_percent": metrics.fnmr_at_fmr(genuine, impostor, 0.01).as_dict(),
        "at_fmr_zero": metrics.fnmr_at_fmr(genuine, impostor, 0.0).as_dict(),
    }


def _identity_files(gallery_dir: Path) -> dict[str, list[str]]:
    identities = {}
    for folder in sorted(path for path in gallery_dir.iterdir() if path.is_dir()):
        files = [path for path in folder.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES]
        files.sort(key=lambda path: (len(path.stem), path.stem))
        if files:
            identities[folder.name] = [str(path.resolve()) for path in files]
    return identities


def _genders(gallery_dir: Path) -> dict[str, str]:
    for folder in (gallery_dir, gallery_dir.parent):
        table = folder / "identities.tsv"
        if not table.is_file():
            continue
        with open(table, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        column = next((name for name in (rows[0].keys() if rows else []) if "gender" in name), None)
        if column:
            return {row["identity"]: row[column].strip() for row in rows if row[column].strip() in ("M", "F")}
    return {}


def _same_gender(genders: dict[str, str], first: str, second: str) -> bool:
    if first not in genders or second not in genders:
        return True
    return genders[first] == genders[second]


def summary_lines(report: dict) -> list[str]:
    """Format the main figures of a report for a terminal."""
    attempts = (
        f"{report['genuine']} genuine and {report['impostor']} impostor "
        + ("pairs" if report["mode"] == "pairs" else f"attempts against {report['references']}-photo galleries")
    )
    lines = [
        f"model: {report['model_id']} {report['model_version']}",
        f"data: {attempts}",
        f"accuracy: {report['accuracy']:.4f} (best threshold {report['best_threshold']:.3f})",
        f"ROC AUC: {report['roc_auc']:.4f}",
    ]
    for key, label in (
        ("at_enrolment_threshold", "enrolment threshold"),
        ("at_check_in_threshold", "check-in threshold"),
        ("at_fmr_1_percent", "FMR <= 1%"),
        ("at_fmr_zero", "FMR = 0"),
    ):
        rates = report[key]
        lines.append(f"{label}: threshold {rates['threshold']:.3f}, FMR {rates['fmr']:.2%}, FNMR {rates['fnmr']:.2%}")
    lines.append(f"failures to detect: {report['failures_to_detect']}")
    if report["mode"] == "pairs":
        lines.append(f"time per pair: {1000 * report['seconds_per_pair']:.1f} ms (descriptors cached per file)")
    else:
        lines.append(f"time per attempt: {1000 * report['seconds_per_attempt']:.2f} ms (descriptors cached per file)")
    return lines
