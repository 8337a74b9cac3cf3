"""The eligibility rule without a database: window coverage and the enrolment deadline."""
from datetime import date, datetime

import pytest

from aidface.eligibility.models import Reason
from aidface.eligibility.rules import EnrolmentFact, StudentFacts, covers_window, decide, enrolment_reason
from aidface.policy.calendar import SHANGHAI, Term, semester_calendar
from aidface.policy.values import PROVINCE_DEFAULTS

SPRING = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
FIRST, LAST = date(2026, 3, 1), date(2026, 5, 31)


@pytest.mark.parametrize(
    "periods, covered",
    [
        ([(FIRST, LAST)], True),
        ([(date(2026, 2, 1), date(2026, 7, 31))], True),
        ([(FIRST, date(2026, 4, 10)), (date(2026, 4, 11), LAST)], True),
        ([(date(2026, 4, 11), LAST), (FIRST, date(2026, 4, 10))], True),
        ([(FIRST, date(2026, 4, 10)), (date(2026, 4, 12), LAST)], False),
        ([(date(2026, 3, 2), LAST)], False),
        ([(FIRST, date(2026, 5, 30))], False),
        ([], False),
    ],
)
def test_covers_window(periods, covered):
    assert covers_window(periods, FIRST, LAST) is covered


def moment(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def test_enrolment_on_deadline_day_is_on_time():
    assert enrolment_reason(EnrolmentFact(True, moment(4, 20, 23)), SPRING, PROVINCE_DEFAULTS) is None


def test_enrolment_day_after_deadline_is_late():
    assert enrolment_reason(EnrolmentFact(True, moment(4, 21, 0)), SPRING, PROVINCE_DEFAULTS) == Reason.ENROLLED_LATE


def test_unfinished_enrolment_is_not_enrolled():
    assert enrolment_reason(EnrolmentFact(False, None), SPRING, PROVINCE_DEFAULTS) == Reason.NOT_ENROLLED


def test_decide_orders_reasons():
    facts = StudentFacts(passing_months=0, normal_months=0, enrolment=None, duplicate_confirmed=True)
    decision = decide(facts, calendar=SPRING, policy=PROVINCE_DEFAULTS)
    assert not decision.eligible
    assert decision.reasons == (
        Reason.FEW_PASSING_MONTHS, Reason.NO_NORMAL_ATTENDANCE, Reason.NOT_ENROLLED, Reason.DUPLICATE_IDENTITY,
    )


def test_decide_internship_waives_attendance_only():
    facts = StudentFacts(passing_months=3, normal_months=0, enrolment=EnrolmentFact(True, moment(3, 2)),
                         duplicate_confirmed=False, internships=[(FIRST, LAST)])
    decision = decide(facts, calendar=SPRING, policy=PROVINCE_DEFAULTS)
    assert decision.eligible
    assert decision.internship_whole_period
