"""Reads of internship records.

`students_on_internship` feeds the draw of routine-check participants and
`internship_periods` feeds month results. Only filed records whose pre-departure
confirmation passed count (Art. 18).
"""
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from aidface.internships.models import (
    FilingStatus,
    InternshipImport,
    InternshipPhoto,
    InternshipRecord,
    InternshipState,
    Reconciliation,
)
from aidface.org import scope
from aidface.org.models import Role


def _counting_records():
    """Filed records with a passed pre-departure confirmation: the ones that stop routine checks."""
    return InternshipRecord.objects.filter(status=FilingStatus.FILED, confirmed_at__isnull=False)


def students_on_internship(*, student_ids: Iterable[int], day: date) -> set[int]:
    """Ids among `student_ids` whose filed, confirmed internship period contains the local date `day`."""
    ids = list(student_ids)
    if not ids:
        return set()
    found: set[int] = set()
    # Chunked so a province-wide list stays under the databases' parameter limits.
    for offset in range(0, len(ids), 5000):
        chunk = ids[offset : offset + 5000]
        found.update(
            _counting_records()
            .filter(student_id__in=chunk, start_date__lte=day, end_date__gte=day)
            .values_list("student_id", flat=True)
        )
    return found


def internship_periods(*, student_ids: Iterable[int]) -> dict[int, list[tuple[date, date, int]]]:
    """(start, end, record id) of each student's filed, confirmed internships, ordered by start date.

    Students without such an internship are absent from the result.
    """
    ids = list(student_ids)
    periods: dict[int, list[tuple[date, date, int]]] = defaultdict(list)
    for offset in range(0, len(ids), 5000):
        chunk = ids[offset : offset + 5000]
        rows = (
            _counting_records()
            .filter(student_id__in=chunk)
            .order_by("student_id", "start_date", "id")
            .values_list("student_id", "start_date", "end_date", "id")
        )
        for student_id, start, end, record_id in rows:
            periods[student_id].append((start, end, record_id))
    return dict(periods)

NOT_FOUND = "记录不存在或不在您的管辖范围内，请返回列表重新选择。"


def _get_or_404(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def records(user) -> QuerySet[InternshipRecord]:
    """Records of the schools in the user's jurisdiction; students and users without scope see none.

    Offices see filings only: records filed now or once filed and returned, never a
    school's draft that has not been filed.
    """
    found = InternshipRecord.objects.filter(school__in=scope.schools(user)).select_related("student", "school")
    if user.is_authenticated and user.role == Role.OFFICE_STAFF:
        found = found.filter(Q(status=FilingStatus.FILED) | Q(returned_at__isnull=False))
    return found


def state_filter(state: str, today: date) -> Q:
    """The condition for records in a computed state on the local date `today`."""
    filed = Q(status=FilingStatus.FILED)
    return {
        InternshipState.DRAFT: Q(status=FilingStatus.DRAFT, returned_at__isnull=True),
        InternshipState.RETURNED: Q(status=FilingStatus.DRAFT, returned_at__isnull=False),
        InternshipState.FILED: filed & Q(start_date__gt=today),
        InternshipState.ACTIVE: filed & Q(start_date__lte=today, end_date__gte=today),
        InternshipState.ENDED: filed & Q(end_date__lt=today),
    }[state]


def search_records(user, *, today: date, school_id: int | None = None, state: str = "", confirmation: str = "") -> QuerySet[InternshipRecord]:
    found = records(user)
    if school_id:
        found = found.filter(school_id=school_id)
    if state in InternshipState.values:
        found = found.filter(state_filter(state, today))
    if confirmation == "missing":
        found = found.filter(confirmed_at__isnull=True)
    elif confirmation == "done":
        found = found.filter(confirmed_at__isnull=False)
    return found.order_by("-start_date", "-id")


def missing_confirmations(user, *, today: date) -> int:
    """Records of the user's schools whose internship has not ended and whose student has not confirmed departure."""
    return records(user).filter(confirmed_at__isnull=True, end_date__gte=today).count()


def reconciliations(user) -> QuerySet[Reconciliation]:
    return Reconciliation.objects.filter(school__in=scope.schools(user)).select_related("school", "uploaded_by").defer("report")


def get_reconciliation_or_404(user, pk) -> Reconciliation:
    return _get_or_404(reconciliations(user), pk)


def get_photo_or_404(user, pk) -> InternshipPhoto:
    try:
        return InternshipPhoto.objects.select_related("record__school").get(pk=pk, record__in=records(user))
    except (InternshipPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def get_record_or_404(user, pk) -> InternshipRecord:
    return _get_or_404(records(user), pk)


def imports(user) -> QuerySet[InternshipImport]:
    return InternshipImport.objects.filter(school__in=scope.schools(user)).select_related("uploaded_by")


def get_import_or_404(user, pk) -> InternshipImport:
    return _get_or_404(imports(user), pk)
