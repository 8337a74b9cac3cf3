"""Benchmark the 1:N face index at province size (not a test).

Templates are synthetic but shaped like real ones: the dlib descriptors of the shared
face photos give a between-person model (mean and covariance of person centres) and a
within-person model (covariance of each photo around its person's centre). Each
synthetic student gets a centre from the first and TEMPLATES_PER_STUDENT templates from
the second. Queries are new captures of enrolled students, which is what enrolment
searches for.

Reported: build time, memory, save and load time, query time p50/p95 for HNSW at
several expansion_search values and for exact search, recall@10 against exact search,
and whether the student's own templates are found within the duplicate threshold.

    .venv/bin/python bench/bench_index.py                 # 1,000,000 templates
    .venv/bin/python bench/bench_index.py --count 100000  # a quicker run
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from aidface.face.index import EXPANSION_SEARCH, FaceIndex  # noqa: E402

FACES_DIR = Path(os.environ.get("AIDFACE_FACES_DIR", REPO / ".." / "shared" / "faces"))
VAR_DIR = Path(os.environ.get("AIDFACE_VAR_DIR", REPO / "var"))
CACHE_FILE = VAR_DIR / "bench_index_descriptors.npz"
TEMPLATES_PER_STUDENT = 4
TEMPLATES_PER_SCHOOL = 4000  # about 1,000 aid students per school
DUPLICATE_THRESHOLD = 0.5  # a same-person distance for the duplicate-recall figure; not the policy value
SHRINKAGE = 0.1  # weight of the diagonal when regularising the fitted covariances
PAIRS = 20_000  # random pairs for the distance comparison of real and synthetic templates


def describe_photo(path: str) -> np.ndarray | None:
    """Return the descriptor of the face in a photo, or None when none is found."""
    try:
        from aidface.face.decode import decode_image
        from aidface.face.descriptor import DEFAULT_MODEL
        from aidface.face.detect import find_face
        from aidface.face.errors import FaceError
    except ImportError:
        return _describe_with_dlib(path)
    try:
        return DEFAULT_MODEL.describe(find_face(decode_image(Path(path).read_bytes())))
    except FaceError:
        return None


def _describe_with_dlib(path: str) -> np.ndarray | None:
    import dlib
    import face_recognition_models

    rgb = dlib.load_rgb_image(path)
    boxes = dlib.get_frontal_face_detector()(rgb, 1)
    if len(boxes) != 1:
        return None
    shape = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())(rgb, boxes[0])
    encoder = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())
    return np.array(encoder.compute_face_descriptor(rgb, shape), dtype=np.float32)


def real_descriptors() -> tuple[np.ndarray, np.ndarray]:
    """Return (descriptors, person labels) of every photo of the shared face set, cached under var/."""
    if CACHE_FILE.exists():
        cached = np.load(CACHE_FILE)
        return cached["descriptors"], cached["labels"]
    folders = sorted(FACES_DIR.glob("gallery/*")) + sorted(FACES_DIR.glob("asian/gallery/*"))
    paths, labels = [], []
    for label, folder in enumerate(folders):
        for photo in sorted(folder.iterdir()):
            paths.append(str(photo))
            labels.append(label)
    print(f"describing {len(paths)} photos of {len(folders)} people (cached afterwards in {CACHE_FILE})", flush=True)
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        described = list(pool.map(describe_photo, paths, chunksize=8))
    keep = [i for i, d in enumerate(described) if d is not None]
    descriptors = np.stack([described[i] for i in keep]).astype(np.float32)
    labels_kept = np.array([labels[i] for i in keep])
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE_FILE, descriptors=descriptors, labels=labels_kept)
    return descriptors, labels_kept


def regularise(covariance: np.ndarray) -> np.ndarray:
    """Return a square root of the covariance pulled towards its diagonal, negative eigenvalues cut to zero.

    A few hundred samples in 128 dimensions give a noisy estimate, and the subtraction in
    TemplateModel can leave small negative eigenvalues.
    """
    blended = (1 - SHRINKAGE) * covariance + SHRINKAGE * np.diag(np.diag(covariance))
    values, vectors = np.linalg.eigh(blended)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


class TemplateModel:
    """Between-person and within-person Gaussians fitted to real descriptors."""

    def __init__(self, descriptors: np.ndarray, labels: np.ndarray) -> None:
        people, counts = np.unique(labels, return_counts=True)
        centres = np.stack([descriptors[labels == person].mean(axis=0) for person in people])

        # Deviations from a centre of n photos are smaller by sqrt((n - 1) / n) than
        # deviations from the true centre, so they are scaled back up.
        residuals = [
            (descriptors[labels == person] - centre) * np.sqrt(n / (n - 1))
            for person, centre, n in zip(people, centres, counts)
            if n > 1
        ]
        within = np.cov(np.concatenate(residuals), rowvar=False)
        # A centre of n photos still carries 1/n of the within-person spread.
        between = np.cov(centres, rowvar=False) - np.mean(1.0 / counts) * within

        self.mean = centres.mean(axis=0)
        self.between = regularise(between)
        self.within = regularise(within)

    def centres(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return (self.mean + rng.standard_normal((count, 128)) @ self.between.T).astype(np.float32)

    def captures(self, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
        return (centres + rng.standard_normal(centres.shape) @ self.within.T).astype(np.float32)


def real_pair_distances(descriptors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (same-person, different-person) distances over every pair of real photos."""
    squared = (descriptors**2).sum(axis=1)
    gram = descriptors.astype(np.float64) @ descriptors.T.astype(np.float64)
    distances = np.sqrt(np.clip(squared[:, None] + squared[None, :] - 2 * gram, 0.0, None))
    upper = np.triu(np.ones_like(distances, dtype=bool), k=1)
    same = labels[:, None] == labels[None, :]
    return distances[upper & same], distances[upper & ~same]


def synthetic_pair_distances(templates: np.ndarray, owner: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (same-person, different-person) distances over random synthetic pairs."""
    student = rng.integers(0, owner[-1] + 1, PAIRS)
    same = np.linalg.norm(templates[student * TEMPLATES_PER_STUDENT] - templates[student * TEMPLATES_PER_STUDENT + 1], axis=1)
    first = rng.integers(0, len(templates), PAIRS)
    second = rng.integers(0, len(templates), PAIRS)
    different = np.linalg.norm(templates[first] - templates[second], axis=1)[owner[first] != owner[second]]
    return same, different


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile_ms(seconds: list[float], q: float) -> float:
    return 1000 * float(np.percentile(seconds, q))


def timed_queries(index: FaceIndex, queries: np.ndarray, **options) -> tuple[list[list[int]], list[float]]:
    results, seconds = [], []
    for query in queries:
        started = time.perf_counter()
        found = index.search(query, k=10, **options)
        seconds.append(time.perf_counter() - started)
        results.append([n.id for n in found])
    return results, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="templates in the index")
    parser.add_argument("--queries", type=int, default=1000, help="HNSW queries per setting")
    parser.add_argument("--exact-queries", type=int, default=200, help="queries timed with exact search (slow)")
    parser.add_argument("--seed", type=int, default=20261204)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"machine: {os.cpu_count()} CPUs; numpy {np.__version__}")

    descriptors, labels = real_descriptors()
    model = TemplateModel(descriptors, labels)
    students = args.count // TEMPLATES_PER_STUDENT
    centres = model.centres(rng, students)
    owner = np.repeat(np.arange(students), TEMPLATES_PER_STUDENT)
    templates = model.captures(rng, centres[owner])
    ids = np.arange(len(templates), dtype=np.int64)
    schools = owner * TEMPLATES_PER_STUDENT // TEMPLATES_PER_SCHOOL

    real_same, real_diff = real_pair_distances(descriptors, labels)
    fake_same, fake_diff = synthetic_pair_distances(templates, owner, rng)
    print(f"real photos: {len(descriptors)} of {len(np.unique(labels))} people")
    for name, same, different in (("real", real_same, real_diff), ("synthetic", fake_same, fake_diff)):
        print(
            f"{name:>9} distances, same person p5/p50/p95 {np.percentile(same, 5):.3f}/{np.median(same):.3f}/"
            f"{np.percentile(same, 95):.3f}; different people p1/p50 {np.percentile(different, 1):.3f}/"
            f"{np.median(different):.3f}; different pairs below {DUPLICATE_THRESHOLD}: {np.mean(different < DUPLICATE_THRESHOLD):.4%}"
        )

    # Build.
    index = FaceIndex(exact_below=0)
    rss_before = rss_mb()
    started = time.perf_counter()
    index.add_many(ids, templates, partitions=schools)
    build_seconds = time.perf_counter() - started
    rss_after = rss_mb()
    raw_mb = templates.nbytes / 2**20
    print(f"\nbuild: {len(index):,} templates in {build_seconds:.1f} s ({len(index) / build_seconds:,.0f} per second)")
    print(
        f"memory: process grew {rss_after - rss_before:,.0f} MB for {raw_mb:,.0f} MB of raw float32 "
        f"(ratio {(rss_after - rss_before) / raw_mb:.2f}); usearch reports {index._index.memory_usage / 2**20:,.0f} MB; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )

    # Queries: a new capture of an enrolled student.
    query_owner = rng.integers(0, students, args.queries)
    queries = model.captures(rng, centres[query_owner])
    index.exact_below = 10**12
    truth, exact_seconds = timed_queries(index, queries[: args.exact_queries])
    truth += [[n.id for n in index.search(q, k=10)] for q in queries[args.exact_queries :]]
    index.exact_below = 0
    exact_p50 = percentile_ms(exact_seconds, 50)
    print(f"\nexact search: p50 {exact_p50:.2f} ms, p95 {percentile_ms(exact_seconds, 95):.2f} ms over {len(exact_seconds)} queries")

    print("\nHNSW expansion_search | p50 ms | p95 ms | speed-up vs exact (p50) | recall@10 | own templates found within "
          f"{DUPLICATE_THRESHOLD}")
    for expansion in (64, 128, 256, 512):
        index._index.expansion_search = expansion
        found, seconds = timed_queries(index, queries)
        recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
        own_truth = own_found = 0
        for q, (approximate, exact_ids) in enumerate(zip(found, truth)):
            near = [i for i in exact_ids if owner[i] == query_owner[q] and np.linalg.norm(templates[i] - queries[q]) <= DUPLICATE_THRESHOLD]
            own_truth += len(near)
            own_found += len(set(near) & set(approximate))
        p50 = percentile_ms(seconds, 50)
        print(
            f"{expansion:>21} | {p50:6.2f} | {percentile_ms(seconds, 95):6.2f} | {exact_p50 / p50:23.1f} | "
            f"{recall:9.4f} | {own_found}/{own_truth} ({own_found / max(1, own_truth):.4f})"
        )
    index._index.expansion_search = EXPANSION_SEARCH

    # School search, exact over one partition. The first search copies the school's
    # templates out of usearch; later ones reuse the copy.
    started = time.perf_counter()
    index.search(queries[0], k=10, partition=1)
    cold_ms = 1000 * (time.perf_counter() - started)
    _, school_seconds = timed_queries(index, queries[:200], partition=1)
    print(
        f"\nschool search (exact over {index.partition_size(1):,} templates): first {cold_ms:.1f} ms, then "
        f"p50 {percentile_ms(school_seconds, 50):.2f} ms, p95 {percentile_ms(school_seconds, 95):.2f} ms"
    )

    # Save and load.
    with tempfile.TemporaryDirectory(dir=VAR_DIR) as folder:
        path = Path(folder) / "faces.index"
        started = time.perf_counter()
        index.save(path)
        save_seconds = time.perf_counter() - started
        size_mb = path.stat().st_size / 2**20
        started = time.perf_counter()
        loaded = FaceIndex.load(path)
        load_seconds = time.perf_counter() - started
        same = loaded.search(queries[0], k=10) == index.search(queries[0], k=10)
    print(f"save {save_seconds:.1f} s, load {load_seconds:.1f} s, file {size_mb:,.0f} MB "
          f"({size_mb / raw_mb:.2f} x raw float32); loaded index returns the same neighbours: {same}")


if __name__ == "__main__":
    main()
