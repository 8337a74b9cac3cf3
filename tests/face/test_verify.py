"""Verification against galleries of real photos, gallery bytes and the similarity scale."""
import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageFilter

from aidface.face import thresholds
from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.errors import FaceError
from aidface.face.templates import ID_CARD, LIVE, Gallery
from aidface.face.verify import PASS_MARK, describe, similarity, verify
from face_files import jpeg_bytes


def _probe(faces_dir, path: str):
    return describe((faces_dir / "asian" / "gallery" / path).read_bytes(), check_quality=False)


@pytest.fixture(scope="module")
def gallery(faces_dir) -> Gallery:
    """Three live references of one man, as enrolment stores them."""
    result = Gallery.empty()
    for number in (1, 2, 3):
        result = result.add(_probe(faces_dir, f"cnceleb_003/{number}.jpg").descriptor, source=LIVE)
    return result


def test_check_in_same_person_passes(faces_dir, gallery):
    outcome = verify(gallery, _probe(faces_dir, "cnceleb_003/4.jpg"), purpose="check_in")
    assert outcome.passed
    assert outcome.similarity >= PASS_MARK
    assert outcome.threshold == thresholds.CHECK_IN_THRESHOLD
    assert outcome.model_id == DEFAULT_MODEL.model_id


@pytest.mark.parametrize("other", ["cnceleb_002/1.jpg", "cnceleb_008/1.jpg", "cnceleb_101/1.bmp"])
def test_check_in_other_person_fails(faces_dir, gallery, other):
    outcome = verify(gallery, _probe(faces_dir, other), purpose="check_in")
    assert not outcome.passed
    assert outcome.similarity < PASS_MARK


def test_enrolment_uses_id_card_row(faces_dir, gallery):
    """Enrolment compares with the ID-card row only, so a gallery without one is refused."""
    probe = _probe(faces_dir, "cnceleb_003/4.jpg")
    with pytest.raises(ValueError):
        verify(gallery, probe, purpose="enrolment")
    with_card = Gallery.empty().add(_probe(faces_dir, "cnceleb_003/1.jpg").descriptor, source=ID_CARD)
    assert verify(with_card, probe, purpose="enrolment").threshold == thresholds.ENROLMENT_THRESHOLD


def test_enrolment_chip_photo(portrait, faces_dir):
    """A 102x126 chip made from one photo verifies a different photo of the same man."""
    chip = portrait.crop((60, 120, 245, 348)).resize((102, 126), Image.Resampling.LANCZOS)
    reference = describe(jpeg_bytes(chip), reference=True)
    with_card = Gallery.empty().add(reference.descriptor, source=ID_CARD)
    assert verify(with_card, _probe(faces_dir, "cnceleb_003/3.jpg"), purpose="enrolment").passed


def test_model_mismatch_detected(faces_dir, gallery):
    old = dataclasses.replace(gallery, model_version="chip150-pad0.25-flip0-jitter0")
    with pytest.raises(FaceError) as raised:
        verify(old, _probe(faces_dir, "cnceleb_003/4.jpg"), purpose="check_in")
    assert raised.value.code == "model_mismatch"


def test_gallery_bytes_round_trip(gallery):
    restored = Gallery.from_bytes(gallery.to_bytes())
    assert restored.model_id == gallery.model_id
    assert restored.model_version == gallery.model_version
    assert restored.sources == (LIVE, LIVE, LIVE)
    assert np.array_equal(restored.descriptors, gallery.descriptors)


def test_gallery_truncated_bytes_rejected(gallery):
    data = gallery.to_bytes()
    with pytest.raises(ValueError):
        Gallery.from_bytes(data[:-4])


def test_gallery_foreign_bytes_rejected():
    with pytest.raises(ValueError):
        Gallery.from_bytes(b"\x89PNG\r\n\x1a\n")


def test_describe_rejects_blurred_capture(portrait):
    with pytest.raises(FaceError) as raised:
        describe(jpeg_bytes(portrait.filter(ImageFilter.GaussianBlur(4))))
    assert raised.value.code == "blurry"


def test_descriptor_unit_length(faces_dir):
    descriptor = _probe(faces_dir, "cnceleb_003/4.jpg").descriptor
    assert descriptor.shape == (128,)
    assert abs(float(np.linalg.norm(descriptor)) - 1.0) < 1e-5


@pytest.mark.parametrize(
    ("distance", "expected"),
    [(0.0, 100.0), (0.3, PASS_MARK), (0.15, 80.0), (0.45, 30.0), (0.6, 0.0), (2.0, 0.0)],
)
def test_similarity_scale(distance, expected):
    assert similarity(distance, 0.3) == pytest.approx(expected)
