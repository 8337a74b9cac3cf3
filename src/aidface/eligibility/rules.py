"""The eligibility rule for one student and one semester (Art. 6, 11, 15, 18), with no database access.

`decide` takes the facts gathered by `aidface.eligibility.services` and returns every
reason that cancels the semester's aid.

Enrolment (Art. 6, DESIGN "Late enrolment"): a student must have finished enrolment
(enrolled, provisional, awaiting an evidence appeal or a duplicate review) by the
semester's enrolment deadline. A student whose enrolment never finished, or finished
only after the semester ended, gets `not_enrolled`. A student who finished after the
deadline but within the semester gets `enrolled_late` when the policy keeps late students
out of that semester's routine checks (`late_students_skip_routine_checks`, the default):
Art. 6 says such a student cannot enter the later months' routine checks, so the
semester cannot be passed through them. When that switch is off, late students join the
routine checks after enrolment and only the attendance rules decide. An enrolment
finished in an earlier semester is on time for every later semester (one enrolment per
study period).

Attendance (Art. 11): at least two months with a passing result, and at least one month
of normal attendance. Internship (Art. 18): a student whose filed internships, each with
a passed pre-departure confirmation, cover every day of the semester's routine window
keeps the aid without those two conditions when `internship_whole_period_eligible` is on.
The internship rule waives only the attendance conditions: enrolment and a confirmed
duplicate identity still cancel.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from aidface.eligibility.models import REASON_ORDER, Reason
from aidface.policy.calendar import SemesterCalendar
from aidface.policy.values import Policy

# Art. 11: a student keeps the aid only with at least this many months of passing results.
MIN_PASSING_MONTHS = 2


@dataclass(frozen=True)
class EnrolmentFact:
    """The student's enrolment that is not reset: whether it counts as finished, and when it finished."""

    finished: bool
    completed_at: datetime | None


@dataclass(frozen=True)
class StudentFacts:
    passing_months: int
    normal_months: int
    enrolment: EnrolmentFact | None
    duplicate_confirmed: bool
    # (first day, last day) of filed internships with a passed pre-departure confirmation.
    internships: Sequence[tuple[date, date]] = ()


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reasons: tuple[str, ...]
    internship_whole_period: bool


def covers_window(periods: Sequence[tuple[date, date]], first_day: date, last_day: date) -> bool:
    """Return whether the union of the periods (both ends inclusive) contains every day from first_day to last_day."""
    reached = first_day - timedelta(days=1)
    for start, end in sorted(periods):
        if start > reached + timedelta(days=1):
            break
        reached = max(reached, end)
        if reached >= last_day:
            return True
    return reached >= last_day


def enrolment_reason(enrolment: EnrolmentFact | None, calendar: SemesterCalendar, policy: Policy) -> str | None:
    if enrolment is None or not enrolment.finished or enrolment.completed_at is None:
        return Reason.NOT_ENROLLED
    if enrolment.completed_at >= calendar.ends_at:
        return Reason.NOT_ENROLLED
    if calendar.is_late_enrolment(enrolment.completed_at) and policy.late_students_skip_routine_checks:
        return Reason.ENROLLED_LATE
    return None


def decide(facts: StudentFacts, *, calendar: SemesterCalendar, policy: Policy) -> Decision:
    """Return the student's eligibility for the semester and every reason that cancels it."""
    reasons: set[str] = set()

    whole_period = policy.internship_whole_period_eligible and covers_window(
        facts.internships, calendar.routine_window.first_day, calendar.routine_window.last_day
    )
    if not whole_period:
        if facts.passing_months < MIN_PASSING_MONTHS:
            reasons.add(Reason.FEW_PASSING_MONTHS)
        if facts.normal_months < 1:
            reasons.add(Reason.NO_NORMAL_ATTENDANCE)

    enrolment = enrolment_reason(facts.enrolment, calendar, policy)
    if enrolment is not None:
        reasons.add(enrolment)
    if facts.duplicate_confirmed:
        reasons.add(Reason.DUPLICATE_IDENTITY)

    ordered = tuple(code for code in REASON_ORDER if code in reasons)
    return Decision(eligible=not ordered, reasons=ordered, internship_whole_period=whole_period)
