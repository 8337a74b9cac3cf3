"""Measure false duplicate cases per 1,000 enrolments for each 1:N threshold (not a test).

Every photo of the shared face set in which dlib finds a face gives one real descriptor.
Each set (the East Asian gallery and the LFW gallery) is measured on its own:

- per-pair impostor distances: every pair of photos of two different people;
- galleries as enrolment stores them: each person's photos, in file-name order, cut into
  galleries of GALLERY_SIZE photos (standing for the chip photo and a live capture). Two
  galleries are compared as the index compares them: the smallest distance over every
  pair of their descriptors.

At 5,000 or 1,300,000 stored galleries the rates needed (about 1e-6 to 1e-10 per pair)
are far below what a few hundred thousand measured pairs can show. So the false-case
figures are an extrapolation. A straight line is fitted to the lowest TAIL_SHARE of the
per-pair impostor distances on a normal-probability scale (probit of the empirical CDF
against distance). It is scaled to galleries by the union bound: a gallery pair matches
only if one of its g x g descriptor pairs does, so its rate is at most g^2 times the
per-pair rate. Expected false cases per 1,000 enrolments = 1,000 x stored galleries x that rate.
The catch rate is measured directly: same-person gallery pairs (disjoint photos) whose
smallest distance is within the threshold.

    .venv/bin/python bench/bench_duplicates.py
    .venv/bin/python bench/bench_duplicates.py --markdown   # the table for docs/benchmarks.md
"""
import argparse
import math
import os
import sys
import time
from pathlib import Path
from statistics import NormalDist

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from aidface.face.descriptor import DEFAULT_MODEL  # noqa: E402
from aidface.face.evaluate import DescriptorCache, EvaluationOptions  # noqa: E402

FACES_DIR = Path(os.environ.get("AIDFACE_FACES_DIR", REPO / ".." / "shared" / "faces"))
VAR_DIR = Path(os.environ.get("AIDFACE_VAR_DIR", REPO / "var"))
CACHE_FILE = VAR_DIR / "bench_duplicates_descriptors.npz"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif"}

GALLERY_SIZE = 2
TAIL_SHARE = 0.01  # the share of lowest impostor distances the probit line is fitted to
DATABASE_SIZES = (5_000, 1_300_000)
THRESHOLDS = (0.10, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.20, 0.22, 0.24, 0.26, 0.28, 0.30, 0.35)
# A second line fitted to the lowest 5 % shows how much the extrapolation depends on the fit.
WIDE_TAIL_SHARE = 0.05
SETS = {"asian": "asian/gallery", "lfw": "gallery"}


def load_descriptors() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Return {set name: (descriptors, person labels)}, computed once per model version and cached under var/."""
    model = f"{DEFAULT_MODEL.model_id}/{DEFAULT_MODEL.version}"
    if CACHE_FILE.exists():
        cached = np.load(CACHE_FILE)
        if str(cached["model"]) == model:
            return {name: (cached[f"{name}_descriptors"], cached[f"{name}_labels"]) for name in SETS}

    options = EvaluationOptions(fallback_box=False, workers=os.cpu_count() or 1)
    cache = DescriptorCache(options=options)
    found, arrays = {}, {"model": np.array(model)}
    for name, folder in SETS.items():
        paths, labels = [], []
        for person in sorted((FACES_DIR / folder).iterdir()):
            for photo in sorted(person.iterdir()):
                if photo.suffix.lower() in IMAGE_SUFFIXES:
                    paths.append(str(photo))
                    labels.append(person.name)
        started = time.perf_counter()
        cache.load(paths)
        described = [
            (cache.results[path].descriptor, label) for path, label in zip(paths, labels) if cache.results[path].descriptor is not None
        ]
        print(f"{name}: {len(described)} of {len(paths)} photos have a detected face ({time.perf_counter() - started:.0f} s)")
        descriptors = np.stack([descriptor for descriptor, _ in described]).astype(np.float32)
        person_labels = np.array([label for _, label in described])
        found[name] = (descriptors, person_labels)
        arrays[f"{name}_descriptors"] = descriptors
        arrays[f"{name}_labels"] = person_labels
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE_FILE, **arrays)
    return found


def pair_distances(descriptors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (same-person, different-person) distances over every pair of photos."""
    difference = descriptors[:, None, :].astype(np.float64) - descriptors[None, :, :]
    distances = np.sqrt((difference**2).sum(axis=2))
    upper = np.triu(np.ones(distances.shape, dtype=bool), k=1)
    same = labels[:, None] == labels[None, :]
    return distances[upper & same], distances[upper & ~same]


def galleries(descriptors: np.ndarray, labels: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Cut each person's descriptors into disjoint galleries of GALLERY_SIZE, dropping the remainder."""
    found = []
    for person in sorted(set(labels.tolist())):
        rows = descriptors[labels == person]
        for start in range(0, len(rows) - GALLERY_SIZE + 1, GALLERY_SIZE):
            found.append((person, rows[start : start + GALLERY_SIZE]))
    return found


def gallery_distances(found: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (same-person, different-person) smallest distances over every pair of galleries."""
    same, different = [], []
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            distance = float(np.linalg.norm(found[i][1][:, None, :] - found[j][1][None, :, :], axis=2).min())
            (same if found[i][0] == found[j][0] else different).append(distance)
    return np.array(same), np.array(different)


class ProbitTail:
    """A line through (distance, probit of the empirical CDF) over the lowest impostor distances."""

    def __init__(self, impostor: np.ndarray, share: float = TAIL_SHARE) -> None:
        ordered = np.sort(impostor)
        count = max(30, int(len(ordered) * share))
        normal = NormalDist()
        cdf = np.arange(1, count + 1) / (len(ordered) + 1)
        probits = np.array([normal.inv_cdf(float(p)) for p in cdf])
        self.slope, self.intercept = np.polyfit(ordered[:count], probits, 1)
        self.fitted_below = float(ordered[count - 1])
        self.points = count

    def rate(self, threshold: float) -> float:
        """Return the extrapolated share of impostor pairs within `threshold`."""
        return NormalDist().cdf(float(self.intercept + self.slope * threshold))


def format_rate(value: float) -> str:
    return "0" if value == 0 else f"{value:.1e}"


def format_cases(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def report(name: str, descriptors: np.ndarray, labels: np.ndarray, *, markdown: bool) -> None:
    genuine_pairs, impostor_pairs = pair_distances(descriptors, labels)
    found = galleries(descriptors, labels)
    genuine_galleries, impostor_galleries = gallery_distances(found)
    tail = ProbitTail(impostor_pairs)
    wide_tail = ProbitTail(impostor_pairs, share=WIDE_TAIL_SHARE)
    scale = GALLERY_SIZE * GALLERY_SIZE

    print()
    print(
        f"{name}: {len(descriptors)} descriptors of {len(set(labels.tolist()))} people; "
        f"{len(impostor_pairs):,} impostor and {len(genuine_pairs):,} genuine photo pairs; "
        f"{len(found)} galleries of {GALLERY_SIZE}, {len(impostor_galleries):,} impostor and "
        f"{len(genuine_galleries)} genuine gallery pairs"
    )
    print(
        f"probit line fitted to the lowest {tail.points} impostor pair distances (up to {tail.fitted_below:.3f}); "
        f"lowest impostor pair {impostor_pairs.min():.3f}, lowest impostor gallery pair {impostor_galleries.min():.3f}"
    )
    header = (
        "| threshold | impostor photo pairs within (measured) | impostor gallery pairs within (measured) | "
        "per-pair rate (extrapolated) | false cases per 1,000 enrolments at 5,000 | at 1,300,000 | "
        "at 1,300,000, line fitted to lowest 5 % | same-person gallery pairs caught (measured) |"
    )
    print(header if markdown else header.replace("|", " ").strip())
    if markdown:
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for threshold in THRESHOLDS:
        per_pair = tail.rate(threshold)
        cases = [1000 * size * min(1.0, scale * per_pair) for size in DATABASE_SIZES]
        wide_cases = 1000 * DATABASE_SIZES[-1] * min(1.0, scale * wide_tail.rate(threshold))
        caught = float((genuine_galleries <= threshold).mean()) if len(genuine_galleries) else math.nan
        cells = [
            f"{threshold:.2f}",
            f"{int((impostor_pairs <= threshold).sum())} of {len(impostor_pairs):,}",
            f"{int((impostor_galleries <= threshold).sum())} of {len(impostor_galleries):,}",
            format_rate(per_pair),
            format_cases(cases[0]),
            format_cases(cases[1]),
            format_cases(wide_cases),
            f"{100 * caught:.0f}% of {len(genuine_galleries)}",
        ]
        print("| " + " | ".join(cells) + " |" if markdown else "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    args = parser.parse_args()
    print(f"descriptor model {DEFAULT_MODEL.model_id}/{DEFAULT_MODEL.version}; {os.cpu_count()} CPUs")
    for name, (descriptors, labels) in load_descriptors().items():
        report(name, descriptors, labels, markdown=args.markdown)


if __name__ == "__main__":
    main()
