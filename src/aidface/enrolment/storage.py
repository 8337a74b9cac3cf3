"""Encrypted storage of enrolment photos and face descriptors (AES-256-GCM via aidface.crypto).

A row is created first and its blob written second, because the associated data names
the row's primary key: a blob moved to another row then fails to decrypt.
"""
import numpy as np

from aidface import crypto
from aidface.enrolment.models import EnrolmentPhoto

DESCRIPTOR_DTYPE = np.float32


def seal(plaintext: bytes, *, associated_data: str) -> tuple[bytes, str]:
    """Encrypt with the active data key and return the blob and the key id."""
    blob = crypto.encrypt(plaintext, associated_data=associated_data)
    return blob, crypto.key_id_of(blob)


def open_photo(photo: EnrolmentPhoto) -> bytes:
    """Decrypt a photo. Raises aidface.crypto.CryptoError when the blob was altered or moved."""
    return crypto.decrypt(bytes(photo.content), associated_data=photo.associated_data)


def pack_descriptors(descriptors: np.ndarray) -> bytes:
    return np.ascontiguousarray(np.atleast_2d(descriptors), dtype=DESCRIPTOR_DTYPE).tobytes()


def unpack_descriptors(data: bytes, *, dimension: int) -> np.ndarray:
    return np.frombuffer(data, dtype=DESCRIPTOR_DTYPE).reshape(-1, dimension).copy()


def open_descriptors(blob: bytes, *, associated_data: str, dimension: int) -> np.ndarray:
    """Decrypt and unpack a descriptor matrix (N×dimension float32)."""
    data = crypto.decrypt(bytes(blob), associated_data=associated_data)
    return unpack_descriptors(data, dimension=dimension)
