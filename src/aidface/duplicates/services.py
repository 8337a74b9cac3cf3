"""Duplicate-face search at enrolment and the office's decisions on duplicate cases.

A new gallery is searched within its school with SCHOOL_MATCH_THRESHOLD, where
ghost-student fraud happens, then across the province with the stricter
PROVINCE_MATCH_THRESHOLD. A match with another student opens a case (疑似一人多籍) and the
enrolment waits until the office clears the case (twins and siblings are a normal
outcome) or confirms fraud, which flags both students.
"""
import logging
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aidface.audit.services import record
from aidface.duplicates import galleries, thresholds
from aidface.duplicates.index_store import MODEL_KEY, template_index
from aidface.duplicates.models import CaseStatus, DuplicateCase, FraudFlag, IndexedDescriptor, SearchLock, SearchScope
from aidface.duplicates.offices import deciding_office
from aidface.duplicates.templates_crypto import seal
from aidface.roster.models import Student

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 500


class DecisionError(Exception):
    """A decision that cannot be made; `message` is the Chinese sentence shown to the office."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Match:
    """The closest stored descriptor of one other student."""

    student_id: int
    distance: float
    scope: str


def search_new_gallery(*, enrolment, user=None) -> list[DuplicateCase]:
    """Search the enrolment's new gallery and return the cases opened (empty when it is unique).

    Call inside the enrolment's transaction, after its gallery is stored.
    """
    gallery = galleries.gallery_of(enrolment)
    if gallery is None:
        logger.warning("duplicate search skipped for enrolment=%s: it has no active gallery", enrolment.pk)
        return []
    return search_gallery(gallery=gallery, user=user)


def search_gallery(*, gallery, user=None) -> list[DuplicateCase]:
    """Add a gallery to the 1:N index and open a case for each other student it matches.

    `gallery` is the enrolment app's Gallery (student_id, school_id, enrolment_id,
    template_id, model_id, model_version, descriptors, valid_until). Raises ValueError when
    its descriptors come from another model than the index's.
    """
    if galleries.model_key(gallery) != MODEL_KEY:
        raise ValueError(
            f"gallery {gallery.template_id} was made with descriptor model {galleries.model_key(gallery)}, "
            f"but the duplicate index uses {MODEL_KEY}; describe the gallery again with the current model"
        )
    descriptors = np.atleast_2d(np.asarray(gallery.descriptors, dtype=np.float32))
    student = Student.objects.select_related("school__supervising_office").get(pk=gallery.student_id)

    with transaction.atomic():
        _take_search_lock()
        store = template_index()
        index = store.synced()
        own = IndexedDescriptor.objects.filter(student=student, removed_at__isnull=True).values_list("id", flat=True)
        candidates = index.search_duplicates(
            descriptors,
            partition=gallery.school_id,
            partition_max_distance=thresholds.SCHOOL_MATCH_THRESHOLD,
            global_max_distance=thresholds.PROVINCE_MATCH_THRESHOLD,
            k=thresholds.CANDIDATES_PER_SEARCH,
            exclude=list(own),
        )
        matches = _matches_by_student(candidates, student_id=student.pk)
        matches = [match for match in matches if not _cleared_before(student.pk, match)]

        added = _store_descriptors(gallery, descriptors)
        cases = [_open_case(student=student, match=match, gallery=gallery, user=user) for match in matches]
        transaction.on_commit(lambda: store.add(added))

    logger.info(
        "duplicate search: enrolment=%s student_id=%s candidates=%s cases=%s",
        gallery.enrolment_id, student.pk, len(candidates), len(cases),
    )
    return cases


def forget_gallery(*, template_id: int) -> int:
    """Take a gallery out of the duplicate search (enrolment reset, confirmed fraud); return the rows removed.

    Idempotent. Call inside the transaction that deactivates the gallery.
    """
    active = IndexedDescriptor.objects.filter(gallery_id=template_id, removed_at__isnull=True)
    rows = list(active.values_list("id", flat=True))
    if not rows:
        return 0
    IndexedDescriptor.objects.filter(pk__in=rows).update(removed_at=timezone.now(), descriptor=b"")
    store = template_index()
    transaction.on_commit(lambda: store.remove(rows))
    return len(rows)


@dataclass(frozen=True)
class RebuildSummary:
    galleries: int
    descriptors_added: int
    descriptors_removed: int
    indexed: int
    seconds: float


def rebuild_index() -> RebuildSummary:
    """Bring the descriptor table in line with the enrolment app's active galleries, then rebuild the index.

    Galleries the table lacks are added, and rows of galleries that are no longer
    searchable (reset, replaced, expired) become tombstones.
    """
    with transaction.atomic():
        _take_search_lock()
        searchable = {gallery.template_id: gallery for gallery in galleries.searchable_galleries()}
        stored = set(
            IndexedDescriptor.objects.filter(removed_at__isnull=True, model_id=MODEL_KEY).values_list("gallery_id", flat=True)
        )
        added = 0
        for template_id in searchable.keys() - stored:
            gallery = searchable[template_id]
            if galleries.model_key(gallery) == MODEL_KEY:
                added += len(_store_descriptors(gallery, np.atleast_2d(np.asarray(gallery.descriptors, dtype=np.float32))))
        removed = sum(forget_gallery(template_id=template_id) for template_id in stored - searchable.keys())
        record(
            user=None,
            action="face_index.rebuild",
            detail={"galleries": len(searchable), "descriptors_added": added, "descriptors_removed": removed},
        )
    result = template_index().rebuild()
    return RebuildSummary(
        galleries=len(searchable),
        descriptors_added=added,
        descriptors_removed=removed,
        indexed=result.templates,
        seconds=result.seconds,
    )


def clear_case(*, user, case: DuplicateCase, comment: str) -> DuplicateCase:
    """Record that the two students are different people (twins, siblings, look-alikes)."""
    return _decide(user=user, case=case, status=CaseStatus.CLEARED, comment=comment)


def confirm_case(*, user, case: DuplicateCase, comment: str) -> DuplicateCase:
    """Record that one person uses both identities, and flag both students."""
    return _decide(user=user, case=case, status=CaseStatus.CONFIRMED, comment=comment)


def _decide(*, user, case: DuplicateCase, status: str, comment: str) -> DuplicateCase:
    comment = (comment or "").strip()
    if not comment:
        raise DecisionError("请填写处理意见，说明核查的依据。")
    if len(comment) > COMMENT_MAX_LENGTH:
        raise DecisionError(f"处理意见不能超过 {COMMENT_MAX_LENGTH} 字，请精简后重新提交。")
    if not may_decide(user, case):
        raise DecisionError("只有负责核查该案件的资助部门可以作出处理决定。")

    with transaction.atomic():
        case = DuplicateCase.objects.select_for_update().get(pk=case.pk)
        if case.status != CaseStatus.OPEN:
            raise DecisionError(f"该案件已处理（{case.get_status_display()}），无需重复处理。")

        case.status = status
        case.decided_by = user
        case.decided_at = timezone.now()
        case.decision_comment = comment
        case.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        if status == CaseStatus.CONFIRMED:
            FraudFlag.objects.bulk_create(
                [FraudFlag(student_id=case.student_id, case=case), FraudFlag(student_id=case.matched_student_id, case=case)]
            )
        record(
            user=user,
            action="duplicate_case.clear" if status == CaseStatus.CLEARED else "duplicate_case.confirm",
            target=case,
            detail={
                "student_id": case.student_id,
                "matched_student_id": case.matched_student_id,
                "similarity": case.similarity,
                "search_scope": case.search_scope,
            },
            office=case.office,
        )
        _finish_enrolment_if_decided(user=user, case=case, comment=comment)

    logger.info("duplicate case %s decided: status=%s office_id=%s", case.pk, status, case.office_id)
    return case


def may_decide(user, case: DuplicateCase) -> bool:
    """True for staff of the case's office, and for superusers without an office or school."""
    if user.is_superuser and not user.office_id and not user.school_id:
        return True
    return bool(user.is_active and user.office_id and user.office_id == case.office_id)


def _finish_enrolment_if_decided(*, user, case: DuplicateCase, comment: str) -> None:
    """Release the waiting enrolment once none of its cases is open; any confirmed case means fraud."""
    if case.enrolment_id is None:
        return
    cases = DuplicateCase.objects.filter(student_id=case.student_id, enrolment_id=case.enrolment_id)
    if cases.filter(status=CaseStatus.OPEN).exists():
        return
    fraud = cases.filter(status=CaseStatus.CONFIRMED).exists()
    if fraud:
        gallery_ids = IndexedDescriptor.objects.filter(enrolment_id=case.enrolment_id).values_list("gallery_id", flat=True)
        for gallery_id in set(gallery_ids):
            forget_gallery(template_id=gallery_id)
    galleries.finish_review(user=user, enrolment_id=case.enrolment_id, fraud=fraud, comment=comment)


def _take_search_lock() -> None:
    """Serialise duplicate searches across processes until the caller's transaction ends.

    The UPDATE takes the row lock on PostgreSQL and the database write lock on SQLite, so
    a concurrent search waits here and then reads this search's descriptors.
    """
    if not SearchLock.objects.filter(pk=1).update(taken_at=timezone.now()):
        SearchLock.objects.get_or_create(pk=1)
        SearchLock.objects.filter(pk=1).update(taken_at=timezone.now())


def _matches_by_student(candidates, *, student_id: int) -> list[Match]:
    """Group candidate descriptors by student, keeping each student's closest one.

    Drops descriptors of the searching student, of removed or replaced galleries and of
    expired provisional galleries, which the index may still hold until it catches up.
    """
    if not candidates:
        return []
    rows = {
        row.pk: row
        for row in IndexedDescriptor.objects.filter(pk__in=[c.id for c in candidates], removed_at__isnull=True)
    }
    active_galleries = galleries.active_gallery_ids({row.gallery_id for row in rows.values()})
    now = timezone.now()

    best: dict[int, Match] = {}
    for candidate in candidates:
        row = rows.get(candidate.id)
        if row is None or row.student_id == student_id or row.gallery_id not in active_galleries:
            continue
        if row.valid_until is not None and row.valid_until < now:
            continue
        scope = SearchScope.SCHOOL if candidate.scope == "partition" else SearchScope.PROVINCE
        known = best.get(row.student_id)
        if known is None or candidate.distance < known.distance:
            best[row.student_id] = Match(student_id=row.student_id, distance=candidate.distance, scope=scope)
    return sorted(best.values(), key=lambda match: (match.distance, match.student_id))


def _cleared_before(student_id: int, match: Match) -> bool:
    """True when the office has already found the two students to be different people (twins, siblings).

    A student enrolling again after a reset then does not put the same pair in the queue again.
    """
    pair = Q(student_id=student_id, matched_student_id=match.student_id) | Q(
        student_id=match.student_id, matched_student_id=student_id
    )
    cleared = DuplicateCase.objects.filter(pair, status=CaseStatus.CLEARED).exists()
    if cleared:
        logger.info("duplicate match skipped: students %s and %s were cleared before", student_id, match.student_id)
    return cleared


def _store_descriptors(gallery, descriptors: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """Write the gallery's descriptors to the table once; return (id, school id, descriptor) rows."""
    existing = IndexedDescriptor.objects.filter(gallery_id=gallery.template_id, removed_at__isnull=True)
    if existing.exists():
        return []
    # A student has one active gallery, so a new one replaces the student's earlier galleries.
    replaced = IndexedDescriptor.objects.filter(student_id=gallery.student_id, removed_at__isnull=True)
    for old_gallery_id in set(replaced.values_list("gallery_id", flat=True)):
        forget_gallery(template_id=old_gallery_id)
    rows = IndexedDescriptor.objects.bulk_create(
        [
            IndexedDescriptor(
                student_id=gallery.student_id,
                school_id=gallery.school_id,
                enrolment_id=gallery.enrolment_id,
                gallery_id=gallery.template_id,
                model_id=MODEL_KEY,
                descriptor=seal(vector, student_id=gallery.student_id),
                valid_until=gallery.valid_until,
            )
            for vector in descriptors
        ]
    )
    if any(row.pk is None for row in rows):
        # bulk_create returns primary keys on PostgreSQL and SQLite 3.35+; read them back otherwise.
        rows = list(IndexedDescriptor.objects.filter(gallery_id=gallery.template_id, removed_at__isnull=True).order_by("id"))
    return [(row.pk, row.school_id, vector) for row, vector in zip(rows, descriptors)]


def _open_case(*, student: Student, match: Match, gallery, user) -> DuplicateCase:
    """Open a case for the pair, or return the one already open."""
    existing = DuplicateCase.objects.filter(
        student=student, matched_student_id=match.student_id, status=CaseStatus.OPEN
    ).first()
    if existing is not None:
        return existing

    matched = Student.objects.select_related("school__supervising_office").get(pk=match.student_id)
    threshold = thresholds.SCHOOL_MATCH_THRESHOLD if match.scope == SearchScope.SCHOOL else thresholds.PROVINCE_MATCH_THRESHOLD
    case = DuplicateCase.objects.create(
        student=student,
        matched_student=matched,
        enrolment_id=gallery.enrolment_id,
        office=deciding_office(student.school, matched.school),
        search_scope=match.scope,
        distance=match.distance,
        similarity=thresholds.similarity_percent(match.distance),
        threshold=threshold,
        model_id=MODEL_KEY,
    )
    record(
        user=user,
        action="duplicate_case.open",
        target=case,
        detail={
            "student_id": student.pk,
            "matched_student_id": matched.pk,
            "enrolment_id": gallery.enrolment_id,
            "distance": round(match.distance, 4),
            "search_scope": match.scope,
        },
        office=case.office,
        school=student.school,
    )
    return case
