"""Encryption of stored descriptors: 128 float32 values, AES-GCM bound to the student."""
import numpy as np

from aidface import crypto
from aidface.face.index import DESCRIPTOR_DIM


def _associated_data(student_id: int) -> str:
    return f"student:{student_id}:face-template"


def seal(descriptor: np.ndarray, *, student_id: int) -> bytes:
    """Encrypt one descriptor with the active data key."""
    vector = np.asarray(descriptor, dtype="<f4").reshape(DESCRIPTOR_DIM)
    return crypto.encrypt(vector.tobytes(), associated_data=_associated_data(student_id))


def unseal(blob: bytes, *, student_id: int) -> np.ndarray:
    """Decrypt one descriptor. Raises aidface.crypto.CryptoError on a wrong key or record."""
    plain = crypto.decrypt(bytes(blob), associated_data=_associated_data(student_id))
    return np.frombuffer(plain, dtype="<f4").astype(np.float32)
