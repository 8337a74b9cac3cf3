"""The process's copy of the 1:N face index, kept in step with the IndexedDescriptor table.

The table is the record; the index file under the var directory is a checkpoint that
spares a full rebuild when a process starts. Before each search the copy catches up
with the table: rows added since the last catch-up are added, tombstones removed, and
if the counts still differ (a rolled-back transaction, a restored database) the copy is
rebuilt from the table. Each web or task process keeps its own copy.
"""
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

import numpy as np
from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from aidface.duplicates.models import IndexedDescriptor
from aidface.duplicates.templates_crypto import unseal
from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.index import EXACT_SEARCH_BELOW, FaceIndex

logger = logging.getLogger(__name__)

# The descriptor model and input crop; templates of another model are never indexed together.
MODEL_KEY = f"{DEFAULT_MODEL.model_id}/{DEFAULT_MODEL.version}"
# Rows committed up to this long after a catch-up started may carry an older id or time
# stamp than the catch-up saw, so each catch-up looks this far back again.
CATCH_UP_MARGIN = timedelta(minutes=10)
# A large index is saved after this many changes, because saving needs twice the index's
# memory (about 1.3 GB at 1,000,000 descriptors). A small one is saved after every change.
SAVE_EVERY = 1000
BATCH = 5000


def index_path() -> Path:
    """Return the checkpoint file: settings.FACE_INDEX_PATH, by default <var>/face_index/templates.index."""
    configured = getattr(settings, "FACE_INDEX_PATH", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "face_index" / "templates.index"


@dataclass
class RebuildResult:
    templates: int
    seconds: float
    path: Path


class TemplateIndex:
    """A FaceIndex over the active IndexedDescriptor rows of MODEL_KEY, with its checkpoint file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._index: FaceIndex | None = None
        self._highest_id = 0
        self._caught_up_at: datetime | None = None
        self._unsaved = 0

    @property
    def state_path(self) -> Path:
        return self.path.with_name(self.path.name + ".json")

    def synced(self) -> FaceIndex:
        """Return the index after catching up with the table, loading or building it on first use."""
        with self._lock:
            if self._index is None:
                self._load_or_build()
            else:
                self._catch_up()
            return self._index

    def add(self, rows: list[tuple[int, int, np.ndarray]]) -> None:
        """Add (template id, school id, descriptor) rows that were just committed."""
        with self._lock:
            if self._index is None:
                return  # the first synced() reads them from the table
            fresh = [row for row in rows if row[0] not in self._index]
            if fresh:
                self._index.add_many(
                    [row[0] for row in fresh], np.stack([row[2] for row in fresh]), partitions=[row[1] for row in fresh]
                )
                self._highest_id = max(self._highest_id, max(row[0] for row in fresh))
                self._changed(len(fresh))

    def remove(self, template_ids: list[int]) -> None:
        """Remove templates whose tombstones were just committed."""
        with self._lock:
            if self._index is None:
                return
            present = [template_id for template_id in template_ids if template_id in self._index]
            for template_id in present:
                self._index.remove(template_id)
            if present:
                self._changed(len(present))

    def rebuild(self) -> RebuildResult:
        """Build the index from every active row of the table and save it."""
        started = time.perf_counter()
        with self._lock:
            caught_up_at = timezone.now()
            index = FaceIndex(model_id=MODEL_KEY)
            highest = _add_rows(index, _active().order_by("id").iterator(chunk_size=BATCH))
            self._index, self._highest_id, self._caught_up_at = index, highest, caught_up_at
            self.save()
            count = len(index)
        seconds = time.perf_counter() - started
        logger.info("face index rebuilt: templates=%s seconds=%.1f path=%s", count, seconds, self.path)
        return RebuildResult(templates=count, seconds=seconds, path=self.path)

    def save(self) -> None:
        """Write the checkpoint file and its catch-up state."""
        with self._lock:
            if self._index is None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._index.save(self.path)
            state = {"highest_id": self._highest_id, "caught_up_at": self._caught_up_at.isoformat(), "model": MODEL_KEY}
            temporary = self.state_path.with_name(self.state_path.name + ".tmp")
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self.state_path)
            self._unsaved = 0

    def _load_or_build(self) -> None:
        # NOTE: without a usable checkpoint the first search of a process rebuilds the index
        # inside its request, which takes minutes at province size. Run
        # `aidface rebuild_face_index` once before starting the web processes.
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            index = FaceIndex.load(self.path)
        except (OSError, ValueError) as error:
            logger.info("face index checkpoint not usable (%s); building from the table", error)
            self.rebuild()
            return
        if index.model_id != MODEL_KEY or state.get("model") != MODEL_KEY:
            logger.warning("face index checkpoint is for model %s, not %s; rebuilding", index.model_id, MODEL_KEY)
            self.rebuild()
            return
        self._index = index
        self._highest_id = int(state["highest_id"])
        self._caught_up_at = datetime.fromisoformat(state["caught_up_at"])
        self._catch_up()

    def _catch_up(self) -> None:
        started_at = timezone.now()
        since = self._caught_up_at - CATCH_UP_MARGIN
        added_rows = _active().filter(Q(id__gt=self._highest_id) | Q(created_at__gte=since)).order_by("id")
        missing = [row for row in added_rows.only("id", "student_id", "school_id", "descriptor") if row.id not in self._index]
        if missing:
            self._highest_id = max(self._highest_id, _add_rows(self._index, missing))
            self._changed(len(missing))
        removed = IndexedDescriptor.objects.filter(removed_at__gte=since).values_list("id", flat=True)
        self.remove([template_id for template_id in removed if template_id in self._index])
        self._caught_up_at = started_at

        # NOTE: this COUNT runs over the whole table on every search. It is cheap at school
        # size. At province size it may take tens of milliseconds (an estimate, not measured).
        expected = _active().count()
        if expected != len(self._index):
            logger.warning("face index has %s templates but the table %s; rebuilding", len(self._index), expected)
            self.rebuild()

    def _changed(self, count: int) -> None:
        self._unsaved += count
        if len(self._index) < EXACT_SEARCH_BELOW or self._unsaved >= SAVE_EVERY:
            self.save()


def _active():
    return IndexedDescriptor.objects.filter(removed_at__isnull=True, model_id=MODEL_KEY)


def _add_rows(index: FaceIndex, rows: Iterable[IndexedDescriptor]) -> int:
    """Decrypt and add rows in batches; return the highest id added (0 for none)."""
    highest = 0
    batch: list[IndexedDescriptor] = []

    def flush() -> None:
        vectors = np.stack([unseal(row.descriptor, student_id=row.student_id) for row in batch])
        index.add_many([row.id for row in batch], vectors, partitions=[row.school_id for row in batch])

    for row in rows:
        batch.append(row)
        highest = max(highest, row.id)
        if len(batch) >= BATCH:
            flush()
            batch = []
    if batch:
        flush()
    return highest


_stores: dict[Path, TemplateIndex] = {}
_stores_lock = threading.Lock()


def template_index() -> TemplateIndex:
    """Return this process's TemplateIndex for the configured checkpoint path."""
    path = index_path()
    with _stores_lock:
        store = _stores.get(path)
        if store is None:
            store = _stores[path] = TemplateIndex(path)
        return store


def forget_loaded() -> None:
    """Drop every loaded copy, so the next use reads the checkpoint again (tests, after a restore)."""
    with _stores_lock:
        _stores.clear()
