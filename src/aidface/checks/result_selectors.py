"""Reads for the month-result and mark pages, always within the user's jurisdiction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.http import Http404

from aidface.checks.models import Mark, MonthResult, MonthState
from aidface.org import scope
from aidface.org.models import School
from aidface.policy.calendar import Term, local_day, semester_calendar, semester_of_day
from aidface.policy.selectors import effective_policy_for_school
from aidface.roster.models import AidStatus, Semester, Student


def month_results(user, *, semester_id: int | None, month: int | None, school_id: int | None, state: str = "") -> QuerySet[MonthResult]:
    """Return the month results in scope, filtered; without `state` for the counts per state."""
    found = MonthResult.objects.filter(school__in=scope.schools(user))
    if semester_id:
        found = found.filter(semester_id=semester_id)
    if month:
        found = found.filter(month=month)
    if school_id:
        found = found.filter(school_id=school_id)
    if state:
        found = found.filter(state=state)
    return found.select_related("student", "school").order_by("year", "month", "school__code", "student__class_name", "student__name", "pk")


def counts_per_state(found: QuerySet[MonthResult]) -> list[tuple[str, str, int]]:
    """Return (state, Chinese label, count) for every state, in the order of `MonthState`."""
    counted = dict(found.order_by().values_list("state").annotate(total=Count("pk")))
    return [(value, label, counted.get(value, 0)) for value, label in MonthState.choices]


def marks(user, *, year: int | None, month: int | None, school_id: int | None, reason: str = "",
          include_withdrawn: bool = False) -> QuerySet[Mark]:
    found = Mark.objects.filter(school__in=scope.schools(user))
    if year:
        found = found.filter(year=year)
    if month:
        found = found.filter(month=month)
    if school_id:
        found = found.filter(school_id=school_id)
    if reason:
        found = found.filter(reason=reason)
    if not include_withdrawn:
        found = found.filter(withdrawn_at__isnull=True)
    return found.select_related("student", "school", "marked_by", "withdrawn_by")


def get_mark_or_404(user, pk) -> Mark:
    try:
        return Mark.objects.select_related("student", "school").get(pk=pk, school__in=scope.schools(user))
    except (Mark.DoesNotExist, ValueError, TypeError):
        raise Http404("记录不存在或不在您的管辖范围内，请返回列表重新选择。") from None


def recent_semesters(today: date, count: int = 4) -> list[Semester]:
    """Return the semester records of `today` and the ones before it, newest first (existing records only)."""
    year, term = semester_of_day(today)
    keys = []
    for _ in range(count):
        keys.append((year, term.value))
        year, term = (year, Term.SPRING) if term is Term.AUTUMN else (year - 1, Term.AUTUMN)
    found = {(item.year, item.term): item for item in Semester.objects.filter(year__in={key[0] for key in keys})}
    return [found[key] for key in keys if key in found]


@dataclass(frozen=True)
class MarkableMonth:
    year: int
    month: int

    @property
    def value(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


def markable_months(school: School, now: datetime) -> list[MarkableMonth]:
    """Return the routine-window months of the current semester that the school may still mark."""
    policy = effective_policy_for_school(school)
    year, term = semester_of_day(local_day(now))
    months = []
    for item in semester_calendar(policy, year, term).months:
        if not item.is_locked(now):
            months.append(MarkableMonth(year, item.month))
    return months


def markable_students(school: School, *, class_name: str = "") -> QuerySet[Student]:
    found = Student.objects.filter(school=school, aid_status__in=[AidStatus.AIDED, AidStatus.PROPOSED])
    if class_name:
        found = found.filter(class_name=class_name)
    return found.order_by("grade", "class_name", "name", "pk")


def class_names(school: School) -> list[str]:
    return list(
        Student.objects.filter(school=school, aid_status__in=[AidStatus.AIDED, AidStatus.PROPOSED])
        .exclude(class_name="")
        .order_by("class_name")
        .values_list("class_name", flat=True)
        .distinct()
    )
