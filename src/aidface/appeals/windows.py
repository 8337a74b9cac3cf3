"""Filing windows of monthly (Art. 14) and semester (Art. 15) appeals, from the school's policy.

An appeal target is a month ("month:2026-11") or a semester ("semester:2026-autumn").
Every window and expiry comes from `aidface.policy.calendar` under the policy of the
school's supervising office.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from aidface.checks.locking import is_month_locked
from aidface.org.models import School
from aidface.policy.calendar import LocalWindow, Term, local_day, month_calendar, semester_calendar
from aidface.policy.selectors import effective_policy_for_school
from aidface.policy.values import Policy

from aidface.appeals.errors import AppealError
from aidface.appeals.models import AppealKind


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def window_text(window: LocalWindow) -> str:
    return f"{chinese_date(window.first_day)}至{chinese_date(window.last_day)}"


@dataclass(frozen=True)
class AppealTarget:
    """The month or semester an appeal is about, with its filing window and expiry."""

    kind: str
    year: int
    # The appealed month (monthly appeals) or None.
    month: int | None
    # The semester's term (semester appeals) or None.
    term: Term | None
    window: LocalWindow
    expires_at: datetime
    # The routine window's months (year, month), which a semester appeal changes.
    months: tuple[tuple[int, int], ...]

    @property
    def key(self) -> str:
        if self.kind == AppealKind.MONTHLY:
            return f"month:{self.year}-{self.month:02d}"
        return f"semester:{self.year}-{self.term.value}"

    @property
    def period_label(self) -> str:
        if self.kind == AppealKind.MONTHLY:
            return f"{self.year}年{self.month}月"
        return f"{self.year}年{self.term.label}学期"

    @property
    def label(self) -> str:
        return f"{self.period_label}{AppealKind(self.kind).label}"

    @property
    def semester_year_term(self) -> tuple[int, Term]:
        if self.term is not None:
            return self.year, self.term
        return self.year, Term.SPRING if self.month <= 6 else Term.AUTUMN


def monthly_target(policy: Policy, year: int, month: int) -> AppealTarget:
    calendar = month_calendar(policy, year, month)
    return AppealTarget(
        kind=AppealKind.MONTHLY,
        year=year,
        month=month,
        term=None,
        window=calendar.appeal_window,
        expires_at=calendar.appeal_expires_at,
        months=((year, month),),
    )


def semester_target(policy: Policy, year: int, term: Term) -> AppealTarget:
    calendar = semester_calendar(policy, year, term)
    return AppealTarget(
        kind=AppealKind.SEMESTER,
        year=year,
        month=None,
        term=term,
        window=calendar.semester_appeal_window,
        expires_at=calendar.semester_appeal_expires_at,
        months=tuple((item.year, item.month) for item in calendar.months),
    )


def parse_target(policy: Policy, key: str) -> AppealTarget:
    """Parse "month:YYYY-MM" or "semester:YYYY-spring|autumn"; raise AppealError when invalid."""
    kind, _, value = (key or "").partition(":")
    year_text, _, rest = value.partition("-")
    try:
        year = int(year_text)
        if kind == "month":
            month = int(rest)
            if not 1 <= month <= 12 or not 2000 <= year <= 2100:
                raise ValueError(key)
            return monthly_target(policy, year, month)
        if kind == "semester" and 2000 <= year <= 2100:
            return semester_target(policy, year, Term(rest))
    except ValueError:
        pass
    raise AppealError("invalid_target", "请选择要申诉的月份或学期")


def open_targets(school: School, now: datetime) -> list[AppealTarget]:
    """Return the months and semesters whose filing window is open at `now` and whose months are locked."""
    policy = effective_policy_for_school(school)
    today = local_day(now)
    candidates: list[AppealTarget] = []
    # A month's window falls in the month after it, except December's, which falls in December.
    for offset in (2, 1, 0):
        month_index = today.year * 12 + today.month - 1 - offset
        candidates.append(monthly_target(policy, month_index // 12, month_index % 12 + 1))
    for term in Term:
        candidates.append(semester_target(policy, today.year, term))
    return [target for target in candidates if target.window.contains(now) and _all_locked(school, target, now, policy)]


def _all_locked(school: School, target: AppealTarget, now: datetime, policy: Policy) -> bool:
    return all(
        is_month_locked(school=school, year=year, month=month, at=now, policy=policy) for year, month in target.months
    )


def check_can_file(school: School, target: AppealTarget, now: datetime) -> None:
    """Raise AppealError unless the target's months are locked and its window is open at `now`."""
    policy = effective_policy_for_school(school)
    if not _all_locked(school, target, now, policy):
        raise AppealError(
            "month_unlocked",
            f"{target.period_label}的抽查结果尚未锁定，锁定后方可在申诉期内申诉；"
            "锁定前如有请假、实训或实习，请在“标示通过”中标示原因",
        )
    if not target.window.contains(now):
        raise AppealError(
            "outside_window",
            f"{target.label}的申诉期为{window_text(target.window)}，现在不在申诉期内，不能提交申诉",
        )
