"""The office's semester dashboard: which months of the routine window have a routine check (Art. 9).

An office must run routine checks in at least `policy.min_routine_months` months of
each semester. A month counts when the office has a routine check in it that has ended
(done), is open, or is still to come (planned). Cancelled checks do not count.
The offices below are shown with their started checks only, because a check stays
hidden from everyone but its own office until it starts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from aidface.checks.models import Check, CheckKind
from aidface.org import scope
from aidface.org.models import AidOffice
from aidface.policy.calendar import SemesterCalendar, Term, semester_calendar
from aidface.policy.selectors import effective_policy_for_office


@dataclass
class MonthCoverage:
    year: int
    month: int
    done: list[Check] = field(default_factory=list)
    open: list[Check] = field(default_factory=list)
    planned: list[Check] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return bool(self.done or self.open or self.planned)

    @property
    def label(self) -> str:
        if self.done:
            return "已完成"
        if self.open:
            return "进行中"
        if self.planned:
            return "已安排"
        return "未安排"


@dataclass
class OfficeRow:
    office: AidOffice
    started_months: int
    minimum: int


@dataclass
class SemesterDashboard:
    office: AidOffice
    calendar: SemesterCalendar
    minimum: int
    months: list[MonthCoverage]
    offices_below: list[OfficeRow]

    @property
    def covered_months(self) -> int:
        return sum(1 for month in self.months if month.counts)

    @property
    def short_of_minimum(self) -> bool:
        return self.covered_months < self.minimum

    @property
    def warning(self) -> str:
        if not self.short_of_minimum:
            return ""
        return (
            f"本学期已完成或已安排例行抽查的月份为 {self.covered_months} 个，少于规定的 {self.minimum} 个月（第九条），"
            f"请在例行抽查期（{self.calendar.routine_window}）内补充安排。"
        )


def _month_of(check: Check) -> tuple[int, int]:
    return check.year, check.month


def semester_dashboard(office: AidOffice, *, year: int, term: Term, now: datetime) -> SemesterDashboard:
    """Return the routine months of the office's semester and the started-month counts of the offices below."""
    policy = effective_policy_for_office(office)
    calendar = semester_calendar(policy, year, term)
    months = {(item.year, item.month): MonthCoverage(item.year, item.month) for item in calendar.months}

    window = calendar.routine_window
    routine = Check.objects.filter(
        kind=CheckKind.ROUTINE, cancelled_at__isnull=True, starts_at__gte=window.starts_at, starts_at__lt=window.ends_at
    )
    for check in routine.filter(office=office).order_by("starts_at"):
        coverage = months.get(_month_of(check))
        if coverage is None:
            continue
        if check.ends_at <= now:
            coverage.done.append(check)
        elif check.starts_at <= now:
            coverage.open.append(check)
        else:
            coverage.planned.append(check)

    started = defaultdict(set)
    below = list(scope.offices_below(office, include_self=False).order_by("region_id"))
    rows = routine.filter(office__in=below, starts_at__lte=now).values_list("office_id", "year", "month")
    for office_id, check_year, check_month in rows:
        started[office_id].add((check_year, check_month))
    offices_below = [
        OfficeRow(item, len(started[item.pk]), effective_policy_for_office(item).min_routine_months) for item in below
    ]
    return SemesterDashboard(
        office=office,
        calendar=calendar,
        minimum=policy.min_routine_months,
        months=list(months.values()),
        offices_below=offices_below,
    )
