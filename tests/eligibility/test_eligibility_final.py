"""Provisional versus final eligibility, the signal receivers, and bulk recomputation without per-student queries."""
import pytest

import eligibility_support as support
from aidface.checks.models import MonthResult, MonthState
from aidface.checks.signals import month_results_changed
from aidface.eligibility.models import Reason, SemesterEligibility
from aidface.eligibility.services import recompute_eligibility

NORMAL = MonthState.NORMAL
MARKED = MonthState.MARKED_PASS


@pytest.fixture
def school(org_tree):
    return org_tree.county_school


def run(school, now):
    return recompute_eligibility(semester=support.spring_2026(), school_ids=[school.pk], now=now)


def row_of(student):
    return SemesterEligibility.objects.get(student=student, semester=support.spring_2026())


def test_provisional_before_window_closes(school):
    student = support.student(school)
    support.enrol(student)
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school, support.IN_APPEAL_WINDOW)
    row = row_of(student)
    assert not row.final
    assert not row.is_final_at(support.IN_APPEAL_WINDOW)
    assert row.is_final_at(support.AFTER_APPEAL_EXPIRY)


def test_final_after_window_without_appeal(school):
    student = support.student(school)
    support.enrol(student)
    support.month_results(student, [MARKED, MARKED, MARKED])
    run(school, support.AFTER_APPEAL_WINDOW)
    assert row_of(student).final


def test_open_appeal_keeps_provisional_until_decided(school, org_tree):
    student = support.student(school)
    support.enrol(student)
    support.month_results(student, [MARKED, MARKED, MARKED])
    appeal = support.semester_appeal(school, org_tree.gongyi, [student], created_by=org_tree.users["principal"])
    run(school, support.AFTER_APPEAL_WINDOW)
    row = row_of(student)
    assert not row.final
    assert row.reasons == [Reason.NO_NORMAL_ATTENDANCE]

    from aidface.appeals.services import decide_items

    item = appeal.items.get()
    decide_items(user=org_tree.users["county"], appeal=appeal, item_ids=[item.pk], approve=True,
                 now=support.AFTER_APPEAL_WINDOW)
    # The approval turns every month into appeal_normal, and the appeal's decision makes the row final.
    assert MonthResult.objects.filter(student=student, state=MonthState.APPEAL_NORMAL).count() == 3
    row = row_of(student)
    assert row.eligible
    assert row.normal_months == 3


def test_open_appeal_final_after_expiry(school, org_tree):
    student = support.student(school)
    support.enrol(student)
    support.month_results(student, [MARKED, MARKED, MARKED])
    support.semester_appeal(school, org_tree.gongyi, [student], created_by=org_tree.users["principal"])
    run(school, support.AFTER_APPEAL_EXPIRY)
    row = row_of(student)
    assert row.final
    assert row.reasons == [Reason.NO_NORMAL_ATTENDANCE]


def test_signal_recomputes_listed_students(school):
    student = support.student(school)
    support.enrol(student)
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school, support.IN_MAY)
    assert row_of(student).eligible

    support.month_results(student, [MonthState.FAILED, MonthState.FAILED, NORMAL])
    month_results_changed.send(sender=MonthResult, semester_id=support.spring_2026().pk, student_ids=[student.pk])
    assert row_of(student).reasons == [Reason.FEW_PASSING_MONTHS]


def test_month_recompute_feeds_eligibility(school, org_tree):
    """Recomputing month results from real participant rows sends the signal, and eligibility follows."""
    import checks_support
    from aidface.checks import results
    from aidface.checks.models import Participant, ParticipantStatus

    student = support.student(school)
    support.enrol(student)
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[school], students=[student], launched_by=org_tree.users["county"]
    )
    Participant.objects.filter(check_record=check).update(status=ParticipantStatus.PASSED)
    results.recompute_month(school_ids=[school.pk], year=2026, month=3, now=support.IN_MAY.replace(month=3, day=29))
    row = row_of(student)
    assert row.normal_months == 1
    assert row.reasons == [Reason.FEW_PASSING_MONTHS]


def test_enrolment_change_recomputes(school):
    student = support.student(school)
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school, support.IN_MAY)
    assert row_of(student).reasons == [Reason.NOT_ENROLLED]
    support.enrol(student)
    assert row_of(student).eligible


def test_duplicate_confirmation_recomputes(school, org_tree):
    from aidface.duplicates.models import DuplicateCase
    from aidface.duplicates.services import confirm_case

    first = support.student(school)
    second = support.student(school)
    for student in (first, second):
        support.enrol(student)
        support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school, support.IN_MAY)
    case = DuplicateCase.objects.create(
        student=second, matched_student=first, office=org_tree.gongyi, search_scope="school", distance=0.2,
        similarity=95, threshold=0.35, model_id="dlib",
    )
    confirm_case(user=org_tree.users["county"], case=case, comment="同一人使用两个身份，已核实")
    assert row_of(first).reasons == [Reason.DUPLICATE_IDENTITY]
    assert row_of(second).reasons == [Reason.DUPLICATE_IDENTITY]


def _students_with_results(school, count):
    for index in range(count):
        student = support.student(school)
        support.enrol(student)
        support.month_results(student, [NORMAL, MARKED, MonthState.FAILED][: 1 + index % 3] + [None] * 2)


def test_query_count_independent_of_students(school, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _students_with_results(school, 3)
    with CaptureQueriesContext(connection) as few:
        run(school, support.IN_MAY)
    _students_with_results(school, 40)
    SemesterEligibility.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        summary = run(school, support.IN_MAY)
    assert summary.students == 43
    assert len(many.captured_queries) <= len(few.captured_queries) + 2


def test_recompute_command_prints_counts(school):
    import io

    from django.core.management import call_command

    student = support.student(school)
    support.month_results(student, [NORMAL, MonthState.FAILED, MonthState.FAILED])
    output = io.StringIO()
    call_command("recompute_eligibility", semester="2026-spring", now="2026-07-02T09:00+08:00", stdout=output)
    text = output.getvalue()
    assert "1 students, 0 eligible, 1 cancelled" in text
    assert "few_passing_months: 1" in text
    assert "not_enrolled: 1" in text
    assert row_of(student).final


def test_recompute_command_rejects_bad_semester():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="YEAR-spring"):
        call_command("recompute_eligibility", semester="2026-summer")


def test_long_student_list_recomputes_by_school(school, monkeypatch):
    from aidface.eligibility import services

    monkeypatch.setattr(services, "SCHOOL_MODE_FROM", 1)
    first = support.student(school)
    second = support.student(school)
    support.month_results(first, [NORMAL, NORMAL, NORMAL])
    summary = recompute_eligibility(semester=support.spring_2026(), student_ids=[first.pk, second.pk], now=support.IN_MAY)
    assert summary.students == 2
    assert row_of(first).reasons == [Reason.NOT_ENROLLED]
    assert row_of(second).reasons == [Reason.FEW_PASSING_MONTHS, Reason.NO_NORMAL_ATTENDANCE, Reason.NOT_ENROLLED]
