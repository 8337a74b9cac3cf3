"""Perceptual hash: copies of a photo stay within a few bits, other photos do not."""
import io

import numpy as np
import pytest
from PIL import Image

from aidface.face.phash import hamming, perceptual_hash

# Hashes of two unrelated photos differ in about half of the 64 bits. The closest pair
# among 40 East Asian gallery photos differs in 14.
UNRELATED_MIN_BITS = 12
COPY_MAX_BITS = 4


@pytest.fixture(scope="module")
def photo(faces_dir) -> np.ndarray:
    return _load(faces_dir / "asian" / "gallery" / "cnceleb_002" / "1.jpg")


def _load(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _reencode(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        return np.asarray(image.convert("RGB"))


def test_hash_is_64_bit_and_repeatable(photo):
    value = perceptual_hash(photo)
    assert 0 <= value < 2**64
    assert perceptual_hash(photo.copy()) == value


def test_hash_survives_reencoding(photo):
    assert hamming(perceptual_hash(photo), perceptual_hash(_reencode(photo, 60))) <= COPY_MAX_BITS


def test_hash_survives_small_shift(photo):
    shifted = np.roll(photo, 3, axis=1)
    assert hamming(perceptual_hash(photo), perceptual_hash(shifted)) <= COPY_MAX_BITS


def test_hash_survives_resize(photo):
    smaller = np.asarray(Image.fromarray(photo).resize((300, 300)))
    assert hamming(perceptual_hash(photo), perceptual_hash(smaller)) <= COPY_MAX_BITS


def test_hash_survives_brightness(photo):
    brighter = np.clip(photo.astype(np.int16) + 20, 0, 255).astype(np.uint8)
    assert hamming(perceptual_hash(photo), perceptual_hash(brighter)) <= COPY_MAX_BITS


def test_hash_accepts_strided_view(photo):
    mirrored = photo[:, ::-1]
    assert not mirrored.flags["C_CONTIGUOUS"]
    assert perceptual_hash(mirrored) == perceptual_hash(np.ascontiguousarray(mirrored))


def test_hash_separates_other_people(faces_dir):
    paths = sorted((faces_dir / "asian" / "gallery").glob("*/1.jpg"))[:12]
    hashes = [perceptual_hash(_load(path)) for path in paths]
    closest = min(hamming(a, b) for index, a in enumerate(hashes) for b in hashes[index + 1 :])
    assert closest >= UNRELATED_MIN_BITS


def test_hamming_counts_bits():
    assert hamming(0, 0) == 0
    assert hamming(0, 2**64 - 1) == 64
    assert hamming(0b1011, 0b0110) == 3
