"""Reading enrolments, photos, appeals and galleries within the user's jurisdiction.

Every query filters by `school__in=scope.schools(user)`. A record outside it raises
Http404, so its existence is not disclosed.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from aidface import crypto
from aidface.enrolment.models import (
    Enrolment,
    EnrolmentPhoto,
    EnrolmentState,
    EvidenceAppeal,
    FaceTemplate,
    TemplateKind,
)
from aidface.face import templates
from aidface.org import scope
from aidface.org.models import Role
from aidface.roster.models import Semester, Student

NOT_FOUND = "不存在或不在您的管辖范围内。"


def enrolments(user) -> QuerySet[Enrolment]:
    if getattr(user, "role", None) == Role.STUDENT:
        return Enrolment.objects.none()
    return Enrolment.objects.filter(school__in=scope.schools(user)).select_related("student", "school", "semester")


def get_enrolment_or_404(user, pk) -> Enrolment:
    try:
        return enrolments(user).get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def get_photo_or_404(user, pk) -> EnrolmentPhoto:
    try:
        return EnrolmentPhoto.objects.select_related("enrolment__student").get(
            pk=pk, enrolment__in=enrolments(user)
        )
    except (EnrolmentPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def appeals(user) -> QuerySet[EvidenceAppeal]:
    if getattr(user, "role", None) == Role.STUDENT:
        return EvidenceAppeal.objects.none()
    return EvidenceAppeal.objects.filter(school__in=scope.schools(user)).select_related(
        "enrolment__student", "school", "office", "filed_by", "decided_by"
    )


def get_appeal_or_404(user, pk) -> EvidenceAppeal:
    try:
        return appeals(user).get(pk=pk)
    except (EvidenceAppeal.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def student_statuses(user, *, school_id: int | None = None, state: str = "") -> QuerySet[Student]:
    """Return the students in scope annotated with `enrolment_id` (their enrolment that is not reset).

    `state` filters by enrolment state; "none" picks students without an enrolment.
    """
    current = Enrolment.objects.filter(student=OuterRef("pk")).exclude(state=EnrolmentState.RESET)
    found = (
        Student.objects.filter(school__in=scope.schools(user))
        .select_related("school")
        .annotate(
            enrolment_id=Subquery(current.values("pk")[:1]),
            enrolment_state=Subquery(current.values("state")[:1]),
            enrolment_late=Subquery(current.values("late")[:1]),
        )
    )
    if getattr(user, "role", None) == Role.STUDENT:
        found = found.none()
    if school_id is not None:
        found = found.filter(school_id=school_id)
    if state == "none":
        found = found.filter(enrolment_id__isnull=True)
    elif state == "late":
        found = found.filter(enrolment_late=True)
    elif state:
        found = found.filter(enrolment_state=state)
    return found.order_by("school__code", "grade", "class_name", "name", "id")


def state_labels_by_student(students: list[Student]) -> dict[int, str]:
    """Return the enrolment status text per student for exports, with 逾期 marked (Art. 6)."""
    labels = {student.pk: "未采集" for student in students}
    rows = Enrolment.objects.filter(student__in=students).exclude(state=EnrolmentState.RESET)
    for enrolment in rows:
        label = enrolment.get_state_display()
        labels[enrolment.student_id] = f"{label}（逾期）" if enrolment.late else label
    return labels


def provisional_enrolments(user) -> QuerySet[Enrolment]:
    return enrolments(user).filter(state=EnrolmentState.PROVISIONAL).order_by("provisional_until", "student__name")


def takes_part_in_routine_checks(*, student: Student, semester: Semester, at: datetime | None = None) -> bool:
    """Return whether the student joins that semester's routine checks started at `at` (Art. 6 and 7).

    Enrolled and unexpired provisional students do; a student enrolled late in that
    semester does not, under the default policy.
    """
    from aidface.policy.selectors import effective_policy_for_school

    # A provisional student whose evidence appeal is pending keeps taking part with the
    # provisional gallery until the semester ends.
    enrolment = Enrolment.objects.filter(
        student=student,
        state__in=[EnrolmentState.ENROLLED, EnrolmentState.PROVISIONAL, EnrolmentState.APPEAL_PENDING],
    ).first()
    if enrolment is None:
        return False
    at = at or timezone.now()
    if not _active_templates(at).filter(enrolment=enrolment).exists():
        return False
    policy = effective_policy_for_school(student.school)
    if enrolment.late and enrolment.semester_id == semester.pk and policy.late_students_skip_routine_checks:
        return False
    if enrolment.completed_at and at < enrolment.completed_at:
        return False
    return True


@dataclass(frozen=True)
class Gallery:
    """An active gallery for comparison: row 0 is the chip photo's descriptor when `includes_chip`.

    `face_gallery` is the same gallery as the face engine's type, for aidface.face.verify.
    """

    template_id: int
    student_id: int
    school_id: int
    enrolment_id: int
    kind: str
    model_id: str
    model_version: str
    descriptors: np.ndarray
    includes_chip: bool
    valid_until: datetime | None
    face_gallery: templates.Gallery


def _gallery(template: FaceTemplate) -> Gallery:
    data = crypto.decrypt(bytes(template.descriptors), associated_data=template.associated_data)
    face_gallery = templates.Gallery.from_bytes(data)
    return Gallery(
        template_id=template.pk,
        student_id=template.student_id,
        school_id=template.student.school_id,
        enrolment_id=template.enrolment_id,
        kind=template.kind,
        model_id=template.model_id,
        model_version=template.model_version,
        descriptors=face_gallery.descriptors,
        includes_chip=template.includes_chip,
        valid_until=template.valid_until,
        face_gallery=face_gallery,
    )


def _active_templates(now: datetime) -> QuerySet[FaceTemplate]:
    unexpired = Q(kind=TemplateKind.ENROLLED) | Q(valid_until__gt=now)
    return FaceTemplate.objects.filter(unexpired, active=True).select_related("student")


def gallery_descriptors(*, enrolment: Enrolment) -> Gallery | None:
    """Return the enrolment's active gallery, or None when it has none.

    Takes no user: the 1:N duplicate search calls it for every new gallery.
    """
    template = _active_templates(timezone.now()).filter(enrolment=enrolment).first()
    return _gallery(template) if template else None


def student_gallery(*, student: Student) -> Gallery | None:
    """Return the student's active gallery for check-in, or None (not enrolled, or provisional and expired)."""
    template = _active_templates(timezone.now()).filter(student=student).first()
    return _gallery(template) if template else None


def searchable_galleries(*, exclude_student_id: int | None = None) -> Iterator[Gallery]:
    """Yield every active gallery (enrolled, and provisional until it expires) for the 1:N index."""
    templates = _active_templates(timezone.now()).order_by("pk")
    if exclude_student_id is not None:
        templates = templates.exclude(student_id=exclude_student_id)
    for template in templates.iterator(chunk_size=1000):
        yield _gallery(template)
