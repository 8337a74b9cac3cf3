"""Whether a month's results are locked (Art. 14), decided by date in every write path.

A month locks at its end, December after the policy's `december_lock_day`. Each school
follows its supervising office's policy. The `locked` flag on MonthResult rows is set by
`aidface lock_months` for reports; the date alone decides whether a write is allowed.

A check belongs to the month in which it starts. A check that is still open at its
month's lock moment (opened at 22:00 on the last day, open for up to five hours) keeps
taking check-ins until it ends, and they count for its month. So marks and other school
changes are rejected from `locks_at`, but the month's results become final only at
`results_final_at`: the later of the lock moment and the end of such a check.
"""
from datetime import datetime

from django.utils import timezone

from aidface.checks.models import CheckSchool
from aidface.org.models import School
from aidface.policy.calendar import month_calendar
from aidface.policy.selectors import effective_policy_for_school
from aidface.policy.values import Policy


class MonthLockedError(Exception):
    """A write to a locked month; `message` is the Chinese sentence shown to the user."""

    def __init__(self, year: int, month: int) -> None:
        self.code = "month_locked"
        self.message = f"{year}年{month}月的抽查结果已锁定，不能再修改；如有异议，请在申诉期内提交申诉"
        super().__init__(f"month {year}-{month:02d} is locked")


def locks_at(*, year: int, month: int, policy: Policy) -> datetime:
    return month_calendar(policy, year, month).locks_at


def is_month_locked(*, school: School, year: int, month: int, at: datetime | None = None,
                    policy: Policy | None = None) -> bool:
    """Return whether the school's results of that month are locked at `at` (default now)."""
    policy = policy or effective_policy_for_school(school)
    return (at or timezone.now()) >= locks_at(year=year, month=month, policy=policy)


def check_month_unlocked(*, school: School, year: int, month: int, at: datetime | None = None,
                         policy: Policy | None = None) -> None:
    """Raise MonthLockedError when the month is locked for the school at `at`."""
    if is_month_locked(school=school, year=year, month=month, at=at, policy=policy):
        raise MonthLockedError(year, month)


def results_final_at(*, school: School, year: int, month: int, policy: Policy | None = None) -> datetime:
    """Return the moment the school's results of the month become final and may be locked.

    That is the lock moment, or the end of the latest check of that month covering the
    school that started before the lock moment and ends after it.
    """
    policy = policy or effective_policy_for_school(school)
    final = locks_at(year=year, month=month, policy=policy)
    ends = CheckSchool.objects.filter(
        school=school,
        check_record__year=year,
        check_record__month=month,
        check_record__cancelled_at__isnull=True,
        check_record__starts_at__lt=final,
    ).values_list("check_record__ends_at", flat=True)
    return max([final, *ends])


def are_results_final(*, school: School, year: int, month: int, at: datetime | None = None,
                      policy: Policy | None = None) -> bool:
    """Return whether the school's results of the month are final at `at` (default now)."""
    return (at or timezone.now()) >= results_final_at(school=school, year=year, month=month, policy=policy)


def check_results_not_final(*, school: School, year: int, month: int, at: datetime | None = None,
                            policy: Policy | None = None) -> None:
    """Raise MonthLockedError when the school's results of the month are final at `at`.

    Check-ins use this rather than `check_month_unlocked`: a check open across its
    month's lock moment keeps taking check-ins until it ends.
    """
    if are_results_final(school=school, year=year, month=month, at=at, policy=policy):
        raise MonthLockedError(year, month)
