"""64-bit perceptual hash (DCT pHash) of an RGB image and the Hamming distance between hashes.

Two photos of the same scene that differ only by re-encoding, a small shift or a
resize get hashes a few bits apart. Different scenes differ in about half the bits.
"""
from functools import cache

import numpy as np
from PIL import Image

# The image is reduced to this many pixels per side before the DCT.
REDUCED_SIDE = 32
# The hash keeps the lowest HASH_SIDE x HASH_SIDE DCT frequencies, one bit each.
HASH_SIDE = 8


def perceptual_hash(rgb: np.ndarray) -> int:
    """Return the 64-bit pHash of an H x W x 3 uint8 image.

    The luma is reduced to 32 x 32 by averaging boxes of pixels and transformed by a
    2-D DCT-II. Each of the 8 x 8 lowest frequencies sets its bit when it is above the
    median of those 64 values without the DC term. Bit 63 is frequency (0, 0).
    """
    luma = Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8)).convert("L")
    reduced = np.asarray(luma.resize((REDUCED_SIDE, REDUCED_SIDE), Image.Resampling.BOX), dtype=np.float64)
    basis = _dct_basis(REDUCED_SIDE)
    frequencies = (basis @ reduced @ basis.T)[:HASH_SIDE, :HASH_SIDE].ravel()
    median = float(np.median(frequencies[1:]))

    value = 0
    for bit in frequencies > median:
        value = (value << 1) | int(bit)
    return value


def hamming(a: int, b: int) -> int:
    """Return the number of bits in which two hashes differ."""
    return (a ^ b).bit_count()


@cache
def _dct_basis(size: int) -> np.ndarray:
    """Return the orthonormal DCT-II matrix, so that basis @ x is the DCT of column vector x."""
    k = np.arange(size)[:, None]
    n = np.arange(size)[None, :]
    basis = np.cos(np.pi * (2 * n + 1) * k / (2 * size)) * np.sqrt(2 / size)
    basis[0] /= np.sqrt(2)
    basis.setflags(write=False)
    return basis
