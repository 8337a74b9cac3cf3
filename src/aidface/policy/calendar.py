"""The semester calendar: every date of the rules for one semester, from one policy.

All boundaries are local days in Asia/Shanghai. Moments are timezone-aware datetimes,
and a window's `ends_at` is the first moment after its last day.

Semesters follow the policy calendar rather than the teaching timetable. Every date
the regulation names for the spring semester falls between January and June: enrolment
by 04-20, routine checks 03-01..05-31, appeals up to 06-20 and their expiry at the end
of June. Every autumn date falls between July and December: enrolment by 11-20, routine
checks 10-01..12-15, appeals up to 12-31. So the spring semester of year Y is
01-01..06-30 of Y and the autumn semester is 07-01..12-31 of Y, and every day belongs
to exactly one semester. In school years, spring Y is the second
term of school year Y-1–Y and autumn Y the first term of school year Y–Y+1.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aidface.policy.values import DayWindow, MonthDay, Policy

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Term(enum.StrEnum):
    SPRING = "spring"
    AUTUMN = "autumn"

    @property
    def label(self) -> str:
        return "春季" if self is Term.SPRING else "秋季"


SEMESTER_MONTHS = {Term.SPRING: range(1, 7), Term.AUTUMN: range(7, 13)}


def start_of_day(day: date) -> datetime:
    """Return the first moment of a local day in Asia/Shanghai."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def local_day(moment: datetime) -> date:
    """Return the Asia/Shanghai day of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware moment")
    return moment.astimezone(SHANGHAI).date()


def first_day_of_next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def last_day_of_month(year: int, month: int) -> date:
    return first_day_of_next_month(year, month) - timedelta(days=1)


@dataclass(frozen=True)
class LocalWindow:
    """Days from `first_day` to `last_day`, both inclusive, in Asia/Shanghai."""

    first_day: date
    last_day: date

    @classmethod
    def in_year(cls, window: DayWindow, year: int) -> LocalWindow:
        return cls(window.first.in_year(year), window.last.in_year(year))

    @property
    def starts_at(self) -> datetime:
        return start_of_day(self.first_day)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the window (exclusive end)."""
        return start_of_day(self.last_day + timedelta(days=1))

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    def includes_day(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def __str__(self) -> str:
        return f"{self.first_day:%Y-%m-%d} 至 {self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class MonthCalendar:
    """When one month's results lock and when they may be appealed (Art. 14)."""

    year: int
    month: int
    locks_at: datetime
    appeal_window: LocalWindow
    # Undecided appeals of this month leave the result unchanged from this moment.
    appeal_expires_at: datetime

    def is_locked(self, moment: datetime) -> bool:
        return moment >= self.locks_at


@dataclass(frozen=True)
class SemesterCalendar:
    """Every date of one semester under one policy."""

    year: int
    term: Term
    period: LocalWindow
    # Enrolment on or before this day is on time, and later enrolment is late (Art. 6).
    enrolment_deadline: date
    routine_window: LocalWindow
    # The months the routine window touches, in order.
    months: tuple[MonthCalendar, ...]
    semester_appeal_window: LocalWindow
    semester_appeal_expires_at: datetime

    @property
    def enrolment_closes_at(self) -> datetime:
        """The first moment at which an enrolment counts as late."""
        return start_of_day(self.enrolment_deadline + timedelta(days=1))

    @property
    def starts_at(self) -> datetime:
        return self.period.starts_at

    @property
    def ends_at(self) -> datetime:
        """The first moment after the semester, when provisional templates expire (Art. 7)."""
        return self.period.ends_at

    def is_late_enrolment(self, moment: datetime) -> bool:
        return moment >= self.enrolment_closes_at

    def month(self, month: int) -> MonthCalendar:
        for month_calendar in self.months:
            if month_calendar.month == month:
                return month_calendar
        raise KeyError(f"month {month} is outside the routine window of {self.year} {self.term}")


def semester_of_day(day: date) -> tuple[int, Term]:
    """Return the (year, term) of the semester containing a local day."""
    return day.year, Term.SPRING if day.month <= 6 else Term.AUTUMN


def semester_of_moment(moment: datetime) -> tuple[int, Term]:
    return semester_of_day(local_day(moment))


def semester_period(year: int, term: Term) -> LocalWindow:
    months = SEMESTER_MONTHS[term]
    return LocalWindow(date(year, months[0], 1), last_day_of_month(year, months[-1]))


def month_locks_at(policy: Policy, year: int, month: int) -> datetime:
    """Return the moment a month's results lock: month end, December after `december_lock_day`."""
    if month == 12:
        return start_of_day(date(year, 12, policy.december_lock_day) + timedelta(days=1))
    return start_of_day(first_day_of_next_month(year, month))


def monthly_appeal_window(policy: Policy, year: int, month: int) -> LocalWindow:
    """Return the filing window of appeals against a month's results (Art. 14)."""
    if month == 12:
        return LocalWindow.in_year(policy.december_appeal_window, year)
    first_day = first_day_of_next_month(year, month)
    return LocalWindow(first_day, first_day.replace(day=policy.monthly_appeal_last_day))


def _expiry_of(policy: Policy, window: LocalWindow) -> datetime:
    if policy.undecided_appeal_expires_at_month_end:
        return start_of_day(first_day_of_next_month(window.last_day.year, window.last_day.month))
    return window.ends_at


def month_calendar(policy: Policy, year: int, month: int) -> MonthCalendar:
    appeal_window = monthly_appeal_window(policy, year, month)
    return MonthCalendar(
        year=year,
        month=month,
        locks_at=month_locks_at(policy, year, month),
        appeal_window=appeal_window,
        appeal_expires_at=_expiry_of(policy, appeal_window),
    )


def semester_calendar(policy: Policy, year: int, term: Term) -> SemesterCalendar:
    """Compute every date of the semester `term` of calendar year `year`."""
    if term is Term.SPRING:
        deadline: MonthDay = policy.spring_enrolment_deadline
        routine: DayWindow = policy.spring_routine_window
        semester_appeal: DayWindow = policy.spring_semester_appeal_window
    else:
        deadline = policy.autumn_enrolment_deadline
        routine = policy.autumn_routine_window
        semester_appeal = policy.autumn_semester_appeal_window

    routine_window = LocalWindow.in_year(routine, year)
    months = tuple(
        month_calendar(policy, year, month)
        for month in range(routine_window.first_day.month, routine_window.last_day.month + 1)
    )
    semester_appeal_window = LocalWindow.in_year(semester_appeal, year)
    # Art. 15: undecided semester appeals stand unchanged at the end of the window's month.
    semester_appeal_expires_at = start_of_day(
        first_day_of_next_month(year, semester_appeal_window.last_day.month)
    )
    return SemesterCalendar(
        year=year,
        term=term,
        period=semester_period(year, term),
        enrolment_deadline=deadline.in_year(year),
        routine_window=routine_window,
        months=months,
        semester_appeal_window=semester_appeal_window,
        semester_appeal_expires_at=semester_appeal_expires_at,
    )
