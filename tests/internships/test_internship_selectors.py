"""The two reads that routine checks and month results use: only filed, confirmed internships count."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from aidface.internships.models import FilingStatus, InternshipRecord
from aidface.internships.selectors import internship_periods, students_on_internship
from enrolment_support import make_student

SHANGHAI = ZoneInfo("Asia/Shanghai")
CONFIRMED_AT = datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI)


def record(student, *, start, end, status=FilingStatus.FILED, confirmed=True):
    return InternshipRecord.objects.create(
        student=student,
        school=student.school,
        grade=student.grade,
        class_name=student.class_name,
        company="郑州宇通客车股份有限公司",
        address="河南省郑州市管城回族区宇通路",
        supervisor_name="王建国",
        supervisor_phone="13838112233",
        start_date=start,
        end_date=end,
        status=status,
        confirmed_at=CONFIRMED_AT if confirmed else None,
    )


@pytest.fixture
def students(org_tree):
    school = org_tree.county_school
    return {
        "filed": make_student(school, name="甲", sequence="101"),
        "unconfirmed": make_student(school, name="乙", sequence="102"),
        "draft": make_student(school, name="丙", sequence="103"),
        "two": make_student(school, name="丁", sequence="104"),
        "none": make_student(school, name="戊", sequence="105"),
    }


@pytest.fixture
def records(students):
    return {
        "filed": record(students["filed"], start=date(2026, 4, 1), end=date(2026, 4, 30)),
        "unconfirmed": record(students["unconfirmed"], start=date(2026, 4, 1), end=date(2026, 4, 30), confirmed=False),
        "draft": record(students["draft"], start=date(2026, 4, 1), end=date(2026, 4, 30), status=FilingStatus.DRAFT),
        "two_late": record(students["two"], start=date(2026, 5, 10), end=date(2026, 5, 20)),
        "two_early": record(students["two"], start=date(2026, 3, 1), end=date(2026, 3, 15)),
    }


def test_on_internship_within_period(students, records):
    ids = [student.pk for student in students.values()]
    assert students_on_internship(student_ids=ids, day=date(2026, 3, 31)) == set()
    assert students_on_internship(student_ids=ids, day=date(2026, 4, 1)) == {students["filed"].pk}
    assert students_on_internship(student_ids=ids, day=date(2026, 4, 30)) == {students["filed"].pk}
    assert students_on_internship(student_ids=ids, day=date(2026, 5, 1)) == set()
    assert students_on_internship(student_ids=ids, day=date(2026, 3, 15)) == {students["two"].pk}
    assert students_on_internship(student_ids=ids, day=date(2026, 5, 12)) == {students["two"].pk}


def test_on_internship_given_ids_only(students, records):
    assert students_on_internship(student_ids=[students["none"].pk], day=date(2026, 4, 10)) == set()
    assert students_on_internship(student_ids=[], day=date(2026, 4, 10)) == set()
    assert students_on_internship(student_ids=iter([students["filed"].pk]), day=date(2026, 4, 10)) == {students["filed"].pk}


def test_periods_in_date_order(students, records):
    ids = [student.pk for student in students.values()]
    periods = internship_periods(student_ids=ids)
    assert periods == {
        students["filed"].pk: [(date(2026, 4, 1), date(2026, 4, 30), records["filed"].pk)],
        students["two"].pk: [
            (date(2026, 3, 1), date(2026, 3, 15), records["two_early"].pk),
            (date(2026, 5, 10), date(2026, 5, 20), records["two_late"].pk),
        ],
    }
    assert internship_periods(student_ids=[]) == {}


def test_selectors_use_a_bounded_number_of_queries(students, records, django_assert_max_num_queries):
    ids = [student.pk for student in students.values()]
    with django_assert_max_num_queries(1):
        students_on_internship(student_ids=ids, day=date(2026, 4, 10))
    with django_assert_max_num_queries(1):
        internship_periods(student_ids=ids)
