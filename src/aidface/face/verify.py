"""1:1 verification of a probe photo against a person's gallery.

Each purpose has its own threshold (aidface.face.thresholds). "enrolment" compares the
live capture with the ID-card chip photo, and "check_in" compares it with the mean of
the enrolled live references.
"""
from dataclasses import dataclass
from typing import Literal

import numpy as np

from aidface.face import thresholds
from aidface.face.decode import decode_image
from aidface.face.descriptor import DEFAULT_MODEL, DescriptorModel
from aidface.face.detect import Box, find_face
from aidface.face.errors import FaceError
from aidface.face.quality import QualityReport, assess_quality
from aidface.face.templates import ID_CARD, LIVE, Gallery

Purpose = Literal["enrolment", "check_in"]
# Similarity shown to people: 100 at distance 0, PASS_MARK at the threshold, 0 at twice
# the threshold, linear in between. It is a display scale, not a probability.
PASS_MARK = 60.0


@dataclass(frozen=True)
class Probe:
    """The descriptor of one live capture, the model that made it and its quality."""

    descriptor: np.ndarray
    model_id: str
    model_version: str
    box: Box
    quality: QualityReport | None = None


@dataclass(frozen=True)
class Verification:
    """Outcome of one comparison; `passed` means distance <= threshold."""

    distance: float
    similarity: float
    passed: bool
    threshold: float
    model_id: str
    model_version: str
    purpose: str


def describe(image_bytes: bytes, *, reference: bool = False, check_quality: bool = True,
             model: DescriptorModel = DEFAULT_MODEL) -> Probe:
    """Decode a photo, find its one face, check its quality and compute its descriptor.

    A live capture (`reference` False) that fails a quality gate raises FaceError with
    that gate's code and advice when `check_quality` is set. A reference photo (the ID-card
    chip) is not gated, and raises reference_unusable when no face is found.
    """
    image = decode_image(image_bytes)
    face = find_face(image, reference=reference)
    quality = None if reference else assess_quality(face)
    if check_quality and quality is not None and not quality.passed:
        first = quality.issues[0]
        raise FaceError(first.code, first.message)
    return Probe(model.describe(face), model.model_id, model.version, face.box, quality)


def verify(gallery: Gallery, probe: Probe, *, purpose: Purpose,
           model: DescriptorModel = DEFAULT_MODEL) -> Verification:
    """Compare a probe with a gallery for enrolment or check-in.

    Raises FaceError model_mismatch when the gallery or the probe was made by another
    model or model version, and ValueError when the gallery has no usable reference.
    """
    for item in (gallery, probe):
        if (item.model_id, item.model_version) != (model.model_id, model.version):
            raise FaceError("model_mismatch")

    if purpose == "enrolment":
        threshold = thresholds.ENROLMENT_THRESHOLD
        references = gallery.rows(ID_CARD)
        if not len(references):
            raise ValueError("gallery has no ID-card reference to verify an enrolment against")
        distance = float(model.distances(probe.descriptor, references).min())
    elif purpose == "check_in":
        threshold = thresholds.CHECK_IN_THRESHOLD
        distance = gallery_distance(gallery, probe.descriptor, model=model)
    else:
        raise ValueError(f"unknown purpose {purpose!r}; expected 'enrolment' or 'check_in'")

    return Verification(
        distance=distance,
        similarity=similarity(distance, threshold),
        passed=distance <= threshold,
        threshold=threshold,
        model_id=model.model_id,
        model_version=model.version,
        purpose=purpose,
    )


def gallery_distance(gallery: Gallery, descriptor: np.ndarray, *, model: DescriptorModel = DEFAULT_MODEL) -> float:
    """Return the distance from a descriptor to the gallery's check-in reference.

    The reference is the mean of the live rows, scaled to unit length (the ID-card row is
    used only when there is no live row). With 3 references on the East Asian gallery
    set, this mean misses 1.5% of genuine attempts at 1% false matches, and the smallest
    distance over the same rows misses 5.5%.
    """
    rows = gallery.rows(LIVE)
    if not len(rows):
        rows = gallery.descriptors
    if not len(rows):
        raise ValueError("gallery has no reference to verify a check-in against")
    return float(model.distances(descriptor, mean_reference(rows))[0])


def mean_reference(rows: np.ndarray) -> np.ndarray:
    """Return the mean of unit-length descriptors, scaled back to unit length."""
    mean = np.asarray(rows, dtype=np.float64).mean(axis=0)
    norm = np.linalg.norm(mean)
    return (mean / norm if norm else mean).astype(np.float32)


def similarity(distance: float, threshold: float) -> float:
    """Map a distance to the 0-100 display scale on which PASS_MARK is the threshold."""
    if distance <= threshold:
        score = 100.0 - (100.0 - PASS_MARK) * distance / threshold
    else:
        score = PASS_MARK * (1.0 - (distance - threshold) / threshold)
    return round(max(0.0, min(100.0, score)), 1)
