"""A person's gallery of reference descriptors and its byte format.

The bytes start with a magic line and a JSON header that names the model id, model
version, dimension and the source of each row ("id_card" or "live"), followed by the
descriptors as little-endian float32. A gallery made by another model or model version
is detected when it is compared (model_mismatch), never compared across.
"""
import json
from dataclasses import dataclass

import numpy as np

from aidface.face.descriptor import DEFAULT_MODEL, DescriptorModel

MAGIC = b"AIDFACE-GALLERY\n"
FORMAT_VERSION = 1
ID_CARD = "id_card"
LIVE = "live"
SOURCES = frozenset({ID_CARD, LIVE})


@dataclass(frozen=True)
class Gallery:
    """Reference descriptors of one person, one row per photo, with the row's source."""

    model_id: str
    model_version: str
    descriptors: np.ndarray
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.descriptors.ndim != 2 or len(self.descriptors) != len(self.sources):
            raise ValueError(f"gallery has {len(self.sources)} sources for descriptors of shape {self.descriptors.shape}")
        unknown = set(self.sources) - SOURCES
        if unknown:
            raise ValueError(f"unknown gallery sources {sorted(unknown)}; expected {sorted(SOURCES)}")

    @classmethod
    def empty(cls, model: DescriptorModel = DEFAULT_MODEL) -> "Gallery":
        """Return a gallery with no references for `model`."""
        return cls(model.model_id, model.version, np.zeros((0, model.dimension), np.float32), ())

    def add(self, descriptor: np.ndarray, *, source: str) -> "Gallery":
        """Return a new gallery with one more reference row."""
        row = np.asarray(descriptor, dtype=np.float32).reshape(1, -1)
        return Gallery(self.model_id, self.model_version, np.vstack([self.descriptors, row]), (*self.sources, source))

    def rows(self, source: str) -> np.ndarray:
        """Return the descriptors whose source is `source`."""
        mask = np.array([item == source for item in self.sources], dtype=bool)
        return self.descriptors[mask] if len(mask) else self.descriptors

    def to_bytes(self) -> bytes:
        header = {
            "format": FORMAT_VERSION,
            "model_id": self.model_id,
            "model_version": self.model_version,
            "dimension": int(self.descriptors.shape[1]),
            "sources": list(self.sources),
        }
        payload = np.ascontiguousarray(self.descriptors, dtype="<f4").tobytes()
        return MAGIC + json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> "Gallery":
        """Parse bytes written by `to_bytes`; raise ValueError when they are not a gallery."""
        if not data.startswith(MAGIC):
            raise ValueError("not an aidface gallery: the magic line is missing")
        header_line, separator, payload = data[len(MAGIC):].partition(b"\n")
        if not separator:
            raise ValueError("gallery header is not terminated by a newline")
        header = json.loads(header_line)
        if header.get("format") != FORMAT_VERSION:
            raise ValueError(f"gallery format {header.get('format')} is not supported; expected {FORMAT_VERSION}")

        dimension = int(header["dimension"])
        sources = tuple(header["sources"])
        if len(payload) != 4 * dimension * len(sources):
            raise ValueError(f"gallery payload has {len(payload)} bytes; expected {4 * dimension * len(sources)}")
        descriptors = np.frombuffer(payload, dtype="<f4").reshape(len(sources), dimension).astype(np.float32)
        return cls(header["model_id"], header["model_version"], descriptors, sources)
