"""Whether a month's results are locked (Art. 14), decided by date in every write path.

A month locks at its end, December after the policy's `december_lock_day`. Each school
follows its supervising office's policy. The `locked` flag on MonthResult rows is set by
`aidface lock_months` for reports; the date alone decides whether a write is allowed.
"""
from datetime import datetime

from django.utils import timezone

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
