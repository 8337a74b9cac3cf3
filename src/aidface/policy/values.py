"""The policy object: every date, limit and interpretation switch the rules use.

`PROVINCE_DEFAULTS` contains the values of the provincial regulation. Offices may
override some of them within the limits in `aidface.policy.limits`. The effective
policy of an office or a school comes from `aidface.policy.selectors`.
This module has no Django import so the calendar logic can be tested alone.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True, order=True)
class MonthDay:
    """A day of the year without the year, such as 04-20."""

    month: int
    day: int

    def __post_init__(self) -> None:
        # 02-29 is refused because the date would not exist in three years of four.
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1-12")
        if not 1 <= self.day <= _days_in_month_of_common_year(self.month):
            raise ValueError(f"day {self.day} does not exist in month {self.month} of every year")

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        match = _MONTH_DAY.match(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not MM-DD")
        return cls(int(match.group(1)), int(match.group(2)))

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


def _days_in_month_of_common_year(month: int) -> int:
    return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


@dataclass(frozen=True)
class DayWindow:
    """A window of days in every year, both ends inclusive, such as 03-01..05-31."""

    first: MonthDay
    last: MonthDay

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"window {self} ends before it starts")

    @classmethod
    def parse(cls, text: str) -> DayWindow:
        first, separator, last = text.strip().partition("..")
        if not separator:
            raise ValueError(f"{text!r} is not MM-DD..MM-DD")
        return cls(MonthDay.parse(first), MonthDay.parse(last))

    def contains(self, other: DayWindow) -> bool:
        return self.first <= other.first and other.last <= self.last

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


@dataclass(frozen=True)
class Policy:
    """Every number and switch of the supervision rules, with the province's defaults.

    Dates are local dates in Asia/Shanghai. Windows include both end days.
    """

    # Art. 6: enrolment of new students is due by these days (inclusive).
    spring_enrolment_deadline: MonthDay = MonthDay(4, 20)
    autumn_enrolment_deadline: MonthDay = MonthDay(11, 20)

    # Art. 9: routine checks start and finish inside these windows, in at least this many months.
    spring_routine_window: DayWindow = DayWindow(MonthDay(3, 1), MonthDay(5, 31))
    autumn_routine_window: DayWindow = DayWindow(MonthDay(10, 1), MonthDay(12, 15))
    min_routine_months: int = 2

    # Art. 10 and 16: the longest time a check stays open, in minutes.
    routine_check_max_minutes: int = 5 * 60
    targeted_check_max_minutes: int = 3 * 60

    # Art. 14: months lock at month end, December after this day.
    december_lock_day: int = 15
    # Art. 14: a month's appeal is filed from the 1st to this day of the next month...
    monthly_appeal_last_day: int = 10
    # ...except December's, filed in this window of December itself.
    december_appeal_window: DayWindow = DayWindow(MonthDay(12, 16), MonthDay(12, 20))

    # Art. 15: appeals of students with no normal-attendance month in the semester.
    spring_semester_appeal_window: DayWindow = DayWindow(MonthDay(6, 11), MonthDay(6, 20))
    autumn_semester_appeal_window: DayWindow = DayWindow(MonthDay(12, 21), MonthDay(12, 31))

    # Art. 21: geofence around each approved campus centre, in metres.
    geofence_radius_m: int = 1500
    # A location fix with a worse accuracy (metres) requires a retry instead of a decision.
    location_accuracy_limit_m: int = 200
    # True: inside means distance + accuracy <= radius. False: the distance alone decides.
    geofence_adds_accuracy: bool = True

    # Phone check-in attempts per student per check before the terminal fallback (Art. 13).
    phone_attempts_per_check: int = 3
    # Failed terminal attempts (face or liveness) per student per check before the terminal
    # may force-pass the student with an evidence photo (Art. 13).
    terminal_attempts_before_forced_pass: int = 1

    # Interpretation switches of ambiguous articles.
    # True: several routine checks in one month give the student's best result. False: the latest.
    month_takes_best_routine_result: bool = True
    # Art. 17: a targeted check's result replaces the routine result of an unlocked month.
    targeted_overrides_routine: bool = True
    # Art. 13: a forced pass counts towards the passing months (never as normal attendance).
    forced_pass_counts_as_passing: bool = True
    # Art. 18: a month fully inside a filed internship counts as passing.
    internship_month_counts_as_passing: bool = True
    # Art. 18: a student who passed the pre-departure confirmation and spent the whole
    # checked period on internship keeps the semester's aid.
    internship_whole_period_eligible: bool = True
    # Art. 14: True: an undecided monthly appeal expires at the end of the month in which
    # its window falls. False: it expires when its window closes.
    undecided_appeal_expires_at_month_end: bool = True
    # Art. 6: True: enrolment after the deadline is allowed and marked late.
    late_enrolment_allowed: bool = True
    # Art. 6: True: a student enrolled late takes part in no routine check of that semester
    # that starts after the deadline. False: in every routine check starting after enrolment.
    late_students_skip_routine_checks: bool = True

    # Liveness challenges draw their two actions from this set. Names follow
    # aidface.face.liveness_actions.Action: blink, open_mouth, turn_left, turn_right.
    liveness_actions: tuple[str, ...] = ("blink", "open_mouth", "turn_left", "turn_right")

    def replace(self, **changes: object) -> Policy:
        return dataclasses.replace(self, **changes)


PROVINCE_DEFAULTS = Policy()
