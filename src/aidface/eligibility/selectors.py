"""Reads of semester eligibility within the user's jurisdiction: rows, counts per school and per region.

Every query filters by `school__in=scope.schools(user)`, so a school outside the
jurisdiction is neither listed nor counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from aidface.eligibility.models import Reason, SemesterEligibility
from aidface.org import scope
from aidface.org.models import Role
from aidface.roster.models import Semester


@dataclass(frozen=True)
class EligibilityFilter:
    semester: Semester
    school_id: int | None = None
    region_code: str = ""
    # "eligible", "cancelled" or "" for both.
    status: str = ""
    reason: str = ""


def eligibilities(user, filters: EligibilityFilter) -> QuerySet[SemesterEligibility]:
    """Return the rows of the semester in the user's scope, narrowed by the filters."""
    if getattr(user, "role", None) == Role.STUDENT:
        return SemesterEligibility.objects.none()
    found = SemesterEligibility.objects.filter(semester=filters.semester, school__in=scope.schools(user))
    if filters.school_id:
        found = found.filter(school_id=filters.school_id)
    if filters.region_code:
        code = filters.region_code
        found = found.filter(
            Q(school__region_id=code) | Q(school__region__parent_id=code) | Q(school__region__parent__parent_id=code)
        )
    if filters.status == "eligible":
        found = found.filter(eligible=True)
    elif filters.status == "cancelled":
        found = found.filter(eligible=False)
    if filters.reason in Reason.values:
        # JSON containment is not available on SQLite, so the reason code is matched as a quoted string.
        found = found.filter(reasons__icontains=f'"{filters.reason}"')
    return found


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    total: int
    eligible: int
    cancelled: int
    provisional: int

    @property
    def cancelled_percent(self) -> str:
        return f"{100 * self.cancelled / self.total:.1f}%" if self.total else "-"


def _counts(rows: QuerySet[SemesterEligibility], group: tuple[str, str], now: datetime) -> list[CountRow]:
    provisional = Q(final=False, final_from__gt=now)
    grouped = (
        rows.values(*group)
        .annotate(
            total=Count("pk"),
            eligible_count=Count("pk", filter=Q(eligible=True)),
            provisional_count=Count("pk", filter=provisional),
        )
        .order_by(group[0])
    )
    return [
        CountRow(
            key=str(item[group[0]]),
            label=item[group[1]],
            total=item["total"],
            eligible=item["eligible_count"],
            cancelled=item["total"] - item["eligible_count"],
            provisional=item["provisional_count"],
        )
        for item in grouped
    ]


def counts_by_school(rows: QuerySet[SemesterEligibility], *, now: datetime) -> list[CountRow]:
    return _counts(rows, ("school__code", "school__name"), now)


def counts_by_region(rows: QuerySet[SemesterEligibility], *, now: datetime) -> list[CountRow]:
    """Counts per region of the schools (the county or city where each school is located)."""
    return _counts(rows, ("school__region_id", "school__region__name"), now)


def reason_counts(rows: QuerySet[SemesterEligibility]) -> list[tuple[str, str, int]]:
    """Return (code, Chinese label, number of cancelled students) for every reason, in REASON_ORDER."""
    result = []
    for code, label in Reason.choices:
        result.append((code, label, rows.filter(eligible=False, reasons__icontains=f'"{code}"').count()))
    return result


def semesters_with_rows() -> QuerySet[Semester]:
    return Semester.objects.filter(pk__in=SemesterEligibility.objects.values("semester_id").distinct()).order_by("-year", "-term")
