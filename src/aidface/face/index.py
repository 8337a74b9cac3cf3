"""1:N duplicate-face search over 128-d dlib descriptors.

Every descriptor has an integer id (the caller's template id) and a partition key (the
school id). A search runs either within one partition, exactly, or across all
partitions with usearch's HNSW graph, or exactly while the index is small. Distances
are Euclidean, dlib's metric, so they compare directly with the 1:1 thresholds. usearch's
"l2sq" metric returns squared distances, and this module takes the square root.

The duplicate check at enrolment searches the new gallery within its school with one
threshold, then across the province with a stricter one (`search_duplicates`).

No Django import. One FaceIndex is not safe for concurrent writes; callers serialise
add and remove, for example in the task that owns the index.
"""
import json
import math
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from usearch.index import Index

DESCRIPTOR_DIM = 128
# Below this many descriptors a brute-force scan is fast enough and has perfect recall.
# bench/bench_index.py measured a p50 of 12 ms per exact query at 100,000 descriptors and
# 44 ms at 1,000,000 on a shared 2-CPU machine.
EXACT_SEARCH_BELOW = 50_000
# HNSW parameters: graph degree and the candidate-list sizes while building and
# searching. Larger values raise recall at the cost of memory and time. The search
# runs once per enrolment, so recall matters more than speed. At 1,000,000 templates
# bench/bench_index.py measured, for expansion_search 256 and 512, recall@10 of 0.958
# and 0.986, the query's own templates found 99.2 % and 99.8 %, p50 2.8 ms and 5.0 ms.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 512
# Partitions whose descriptors stay copied in one matrix for school searches, most
# recently used first. 32 schools of 4,000 templates take about 65 MB.
PARTITION_CACHE_SIZE = 32

_FILE_MAGIC = b"AIDFACE-INDEX\x00"
_FILE_VERSION = 1


@dataclass(frozen=True)
class Neighbour:
    """One stored descriptor near the query, with its Euclidean distance."""

    id: int
    distance: float
    partition: int


@dataclass(frozen=True)
class DuplicateCandidate:
    """A stored descriptor within a duplicate threshold, found in the query's school or elsewhere."""

    id: int
    distance: float
    partition: int
    scope: str  # "partition" when found by the school search, "global" by the province search


class FaceIndex:
    """Descriptors by id, each in one partition, searchable within a partition or across all."""

    def __init__(
        self,
        *,
        model_id: str = "",
        exact_below: int = EXACT_SEARCH_BELOW,
        connectivity: int = CONNECTIVITY,
        expansion_add: int = EXPANSION_ADD,
        expansion_search: int = EXPANSION_SEARCH,
        _index: Index | None = None,
    ) -> None:
        self.model_id = model_id  # the descriptor model, so templates of two models never mix
        self.exact_below = exact_below
        self._index = _index or Index(
            ndim=DESCRIPTOR_DIM,
            metric="l2sq",
            dtype="f32",
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
        )
        self._partition_of: dict[int, int] = {}
        self._members: dict[int, set[int]] = {}
        self._partition_cache: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._partition_of)

    def __contains__(self, descriptor_id: int) -> bool:
        return descriptor_id in self._partition_of

    def partition_of(self, descriptor_id: int) -> int:
        """Return the partition of a stored id. Raises KeyError if it is not stored."""
        return self._partition_of[descriptor_id]

    def partition_size(self, partition: int) -> int:
        return len(self._members.get(partition, ()))

    def add(self, descriptor_id: int, descriptor: Sequence[float] | np.ndarray, *, partition: int) -> None:
        """Store one descriptor. Raises ValueError if the id is already stored or the descriptor is invalid."""
        self.add_many([descriptor_id], np.asarray(descriptor)[np.newaxis, :], partitions=[partition])

    def add_many(self, ids: Sequence[int], descriptors: np.ndarray, *, partitions: Sequence[int]) -> None:
        """Store many descriptors at once, which builds the graph on every core."""
        keys = np.asarray(ids, dtype=np.int64)
        parts = np.asarray(partitions, dtype=np.int64)
        vectors = _as_matrix(descriptors)
        if not (len(keys) == len(parts) == len(vectors)):
            raise ValueError(
                f"got {len(keys)} ids, {len(parts)} partitions and {len(vectors)} descriptors, but the counts must match"
            )
        if len(np.unique(keys)) != len(keys):
            raise ValueError("the same id appears twice in one add")
        stored = [int(key) for key in keys if int(key) in self._partition_of]
        if stored:
            raise ValueError(f"ids already in the index: {stored[:5]}. Remove them first to replace a descriptor")
        if len(keys) == 0:
            return

        self._index.add(keys, vectors)
        for key, part in zip(keys.tolist(), parts.tolist()):
            self._partition_of[key] = part
            self._members.setdefault(part, set()).add(key)
            self._partition_cache.pop(part, None)

    def remove(self, descriptor_id: int) -> None:
        """Delete one descriptor. Raises KeyError if the id is not stored."""
        part = self._partition_of.pop(descriptor_id)
        members = self._members[part]
        members.discard(descriptor_id)
        if not members:
            del self._members[part]
        self._partition_cache.pop(part, None)
        self._index.remove(descriptor_id)

    def search(
        self,
        query: Sequence[float] | np.ndarray,
        *,
        k: int = 10,
        partition: int | None = None,
        max_distance: float | None = None,
        exclude: Iterable[int] = (),
    ) -> list[Neighbour]:
        """Return up to k stored descriptors nearest to the query, nearest first.

        `query` is one descriptor or a matrix of them (a gallery). For a gallery, each
        stored id appears once, with its smallest distance to any query row.
        With `partition` the search is exact over that partition. Without it, the search
        covers every partition, exactly below `exact_below` descriptors and by HNSW
        above, which may miss a true neighbour (see bench/bench_index.py for recall).
        `exclude` drops ids, for example the student's own templates.
        """
        queries = _as_matrix(query)
        excluded = set(exclude)
        if partition is None:
            found = self._search_global(queries, k + len(excluded))
        else:
            found = self._search_partition(queries, partition)

        best: dict[int, float] = {}
        for key, distance in found:
            if key in excluded or (max_distance is not None and distance > max_distance):
                continue
            if distance < best.get(key, math.inf):
                best[key] = distance
        nearest = sorted(best.items(), key=lambda item: (item[1], item[0]))[:k]
        return [Neighbour(id=key, distance=distance, partition=self._partition_of[key]) for key, distance in nearest]

    def search_duplicates(
        self,
        query: Sequence[float] | np.ndarray,
        *,
        partition: int,
        partition_max_distance: float,
        global_max_distance: float,
        k: int = 20,
        exclude: Iterable[int] = (),
    ) -> list[DuplicateCandidate]:
        """Find stored descriptors that may be the same person as the query gallery.

        Within the query's own partition the looser `partition_max_distance` applies,
        because ghost-student fraud happens inside one school. Across all partitions the
        stricter `global_max_distance` keeps false matches rare among a province's
        templates. A descriptor found by both searches is reported once, as "partition".
        """
        if global_max_distance > partition_max_distance:
            raise ValueError(
                f"global_max_distance {global_max_distance} must not exceed partition_max_distance "
                f"{partition_max_distance}: the province-wide search is the stricter one"
            )
        excluded = list(exclude)
        local = self.search(query, k=k, partition=partition, max_distance=partition_max_distance, exclude=excluded)
        wide = self.search(query, k=k, max_distance=global_max_distance, exclude=excluded)

        candidates = {n.id: DuplicateCandidate(n.id, n.distance, n.partition, "partition") for n in local}
        for n in wide:
            candidates.setdefault(n.id, DuplicateCandidate(n.id, n.distance, n.partition, "global"))
        return sorted(candidates.values(), key=lambda c: (c.distance, c.id))

    def save(self, path: str | os.PathLike) -> None:
        """Write the index to one file, replacing it atomically.

        NOTE: the usearch part is serialised in memory first, so saving briefly needs
        that much more memory (645 MB at 1,000,000 descriptors).
        """
        path = Path(path)
        keys = np.fromiter(self._partition_of.keys(), dtype=np.int64, count=len(self))
        parts = np.fromiter(self._partition_of.values(), dtype=np.int64, count=len(self))
        header = json.dumps(
            {
                "version": _FILE_VERSION,
                "model_id": self.model_id,
                "exact_below": self.exact_below,
                "count": len(self),
                # usearch keeps the graph degree in its file but not the two expansion settings.
                "expansion_add": self._index.expansion_add,
                "expansion_search": self._index.expansion_search,
            }
        ).encode("utf-8")
        graph = self._index.save()

        temporary = path.with_name(path.name + ".tmp")
        with open(temporary, "wb") as handle:
            handle.write(_FILE_MAGIC)
            handle.write(len(header).to_bytes(4, "little"))
            handle.write(header)
            handle.write(keys.tobytes())
            handle.write(parts.tobytes())
            handle.write(graph)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FaceIndex":
        """Read an index written by `save`. Raises ValueError if the file is not one.

        The whole file is read into memory before usearch copies the graph out of it, so
        loading briefly needs the file's size in extra memory.
        """
        data = Path(path).read_bytes()
        if not data.startswith(_FILE_MAGIC):
            raise ValueError(f"{path} is not an aidface face index file")
        offset = len(_FILE_MAGIC)
        header_length = int.from_bytes(data[offset : offset + 4], "little")
        offset += 4
        header = json.loads(data[offset : offset + header_length])
        offset += header_length
        if header.get("version") != _FILE_VERSION:
            raise ValueError(f"{path} has face index format {header.get('version')}; this code reads {_FILE_VERSION}")
        count = header["count"]
        keys = np.frombuffer(data, dtype=np.int64, count=count, offset=offset)
        offset += 8 * count
        parts = np.frombuffer(data, dtype=np.int64, count=count, offset=offset)
        offset += 8 * count

        graph = Index.restore(memoryview(data)[offset:])
        if graph is None or len(graph) != count or graph.ndim != DESCRIPTOR_DIM:
            raise ValueError(f"{path} is damaged: the stored graph does not match its {count} ids")
        graph.expansion_add = header["expansion_add"]
        graph.expansion_search = header["expansion_search"]
        loaded = cls(model_id=header["model_id"], exact_below=header["exact_below"], _index=graph)
        for key, part in zip(keys.tolist(), parts.tolist()):
            loaded._partition_of[key] = part
            loaded._members.setdefault(part, set()).add(key)
        return loaded

    def _search_global(self, queries: np.ndarray, count: int) -> list[tuple[int, float]]:
        if len(self) == 0:
            return []
        count = min(count, len(self))
        matches = self._index.search(queries, count, exact=len(self) < self.exact_below)
        keys = np.atleast_2d(matches.keys)
        squared = np.atleast_2d(matches.distances)
        counts = np.atleast_1d(getattr(matches, "counts", [len(matches)]))
        found = []
        for row, row_count in enumerate(counts):
            for key, square in zip(keys[row, :row_count].tolist(), squared[row, :row_count].tolist()):
                found.append((key, math.sqrt(max(square, 0.0))))
        return found

    def _search_partition(self, queries: np.ndarray, partition: int) -> list[tuple[int, float]]:
        if not self._members.get(partition):
            return []
        keys, stored = self._partition_matrix(partition)
        # Row by row rather than |a|^2 + |b|^2 - 2ab, which loses precision at small distances.
        distances = np.full(len(keys), np.inf)
        for query in queries:
            np.minimum(distances, np.linalg.norm(stored - query, axis=1), out=distances)
        return list(zip(keys.tolist(), distances.tolist()))

    def _partition_matrix(self, partition: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, descriptors) of a partition, from the cache or copied out of usearch."""
        cached = self._partition_cache.get(partition)
        if cached is not None:
            self._partition_cache.move_to_end(partition, last=False)
            return cached
        members = self._members[partition]
        keys = np.fromiter(members, dtype=np.int64, count=len(members))
        entry = (keys, np.stack(self._index.get(keys)))
        self._partition_cache[partition] = entry
        self._partition_cache.move_to_end(partition, last=False)
        while len(self._partition_cache) > PARTITION_CACHE_SIZE:
            self._partition_cache.popitem(last=True)
        return entry


def _as_matrix(descriptors: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return descriptors as a C-contiguous float32 matrix. Raises ValueError on a bad shape or value."""
    matrix = np.asarray(descriptors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.ndim != 2 or matrix.shape[1] != DESCRIPTOR_DIM:
        raise ValueError(f"descriptors must have {DESCRIPTOR_DIM} values each, got shape {np.shape(descriptors)}")
    if not np.isfinite(matrix).all():
        raise ValueError("descriptors contain NaN or infinite values")
    return np.ascontiguousarray(matrix)
