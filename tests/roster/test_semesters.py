"""Semester records and their calendar under a school's effective policy."""
from datetime import UTC, date, datetime

from aidface.policy.selectors import effective_policy_for_school
from aidface.policy.services import set_override
from aidface.roster.models import Semester
from aidface.roster.services import semester_at


def test_semester_at_creates_once(db):
    first = semester_at(datetime(2026, 12, 4, 8, 0, tzinfo=UTC))
    second = semester_at(datetime(2026, 7, 1, 0, 0, tzinfo=UTC))
    assert first == second
    assert Semester.objects.count() == 1


def test_semester_at_shanghai_midnight(db):
    # 2026-06-30 16:00 UTC is already 07-01 in Shanghai, so the autumn semester.
    semester = semester_at(datetime(2026, 6, 30, 16, 0, tzinfo=UTC))
    assert (semester.year, semester.term) == (2026, "autumn")


def test_semester_names(db):
    spring = semester_at(datetime(2027, 3, 1, tzinfo=UTC))
    autumn = semester_at(datetime(2026, 9, 1, tzinfo=UTC))
    assert (str(spring), spring.school_year_label) == ("2027年春季学期", "2026-2027学年第二学期")
    assert (str(autumn), autumn.school_year_label) == ("2026年秋季学期", "2026-2027学年第一学期")


def test_calendar_follows_school_policy(org_tree):
    set_override(
        user=org_tree.users["city"], office=org_tree.zhengzhou, key="autumn_enrolment_deadline", value="11-10"
    )
    semester = semester_at(datetime(2026, 10, 1, tzinfo=UTC))
    county = semester.calendar(effective_policy_for_school(org_tree.county_school))
    other = semester.calendar(effective_policy_for_school(org_tree.other_county_school))
    assert county.enrolment_deadline == date(2026, 11, 10)
    assert other.enrolment_deadline == date(2026, 11, 20)
