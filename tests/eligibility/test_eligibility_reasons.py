"""Each eligibility reason of Art. 6 and 11, the duplicate-identity reason and the internship rule, on real rows."""
from datetime import date

import pytest

import eligibility_support as support
from aidface.checks.models import MonthState
from aidface.eligibility.models import Reason, SemesterEligibility
from aidface.eligibility.services import recompute_eligibility

NORMAL = MonthState.NORMAL
FAILED = MonthState.FAILED
MARKED = MonthState.MARKED_PASS
FORCED = MonthState.FORCED_PASS
ABSENT = MonthState.ABSENT
APPEAL = MonthState.APPEAL_NORMAL


@pytest.fixture
def school(org_tree):
    return org_tree.county_school


def run(school, now=support.IN_MAY):
    return recompute_eligibility(semester=support.spring_2026(), school_ids=[school.pk], now=now)


def row_of(student):
    return SemesterEligibility.objects.get(student=student, semester=support.spring_2026())


def enrolled_with(school, states, **kwargs):
    student = support.student(school, **kwargs)
    support.enrol(student)
    support.month_results(student, states)
    return student


def test_eligible_with_two_passing_one_normal(school):
    student = enrolled_with(school, [NORMAL, FORCED, FAILED])
    run(school)
    row = row_of(student)
    assert row.eligible
    assert row.reasons == []
    assert row.passing_months == 2
    assert row.normal_months == 1


def test_appeal_normal_counts_as_normal(school):
    student = enrolled_with(school, [APPEAL, MARKED, ABSENT])
    run(school)
    assert row_of(student).eligible


def test_one_passing_month_cancels(school):
    student = enrolled_with(school, [NORMAL, FAILED, ABSENT])
    run(school)
    row = row_of(student)
    assert not row.eligible
    assert row.reasons == [Reason.FEW_PASSING_MONTHS]


def test_no_normal_month_cancels(school):
    student = enrolled_with(school, [MARKED, FORCED, MARKED])
    run(school)
    row = row_of(student)
    assert not row.eligible
    assert row.reasons == [Reason.NO_NORMAL_ATTENDANCE]
    assert row.passing_months == 3
    assert row.normal_months == 0


def test_no_results_lists_every_reason(school):
    student = support.student(school)
    run(school)
    assert row_of(student).reasons == [Reason.FEW_PASSING_MONTHS, Reason.NO_NORMAL_ATTENDANCE, Reason.NOT_ENROLLED]


def test_non_aid_student_without_results_has_no_row(school):
    student = support.student(school, aided=False)
    run(school)
    assert not SemesterEligibility.objects.filter(student=student).exists()


def test_unfinished_enrolment_is_not_enrolled(school):
    student = support.student(school)
    support.enrol(student, state="verification_failed")
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school)
    assert row_of(student).reasons == [Reason.NOT_ENROLLED]


def test_provisional_enrolment_counts_as_enrolled(school):
    student = support.student(school)
    support.enrol(student, state="provisional")
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school)
    assert row_of(student).eligible


def test_late_enrolment_cancels(school):
    student = support.student(school)
    support.enrol(student, at=support.LATE, late=True)
    support.month_results(student, [MARKED, NORMAL, NORMAL])
    run(school)
    assert row_of(student).reasons == [Reason.ENROLLED_LATE]


def test_late_enrolment_allowed_when_late_students_join(school, org_tree):
    from aidface.policy.services import set_override

    set_override(user=org_tree.users["province"], office=org_tree.province, key="late_students_skip_routine_checks", value=False)
    student = support.student(school)
    support.enrol(student, at=support.LATE, late=True)
    support.month_results(student, [MARKED, NORMAL, NORMAL])
    run(school)
    assert row_of(student).eligible


def test_enrolment_of_earlier_semester_is_on_time(school):
    from datetime import datetime

    student = support.student(school)
    support.enrol(student, at=datetime(2025, 11, 25, 9, 0, tzinfo=support.SHANGHAI), late=True)
    support.month_results(student, [NORMAL, NORMAL, FAILED])
    run(school)
    assert row_of(student).eligible


def test_enrolment_after_semester_is_not_enrolled(school):
    from datetime import datetime

    student = support.student(school)
    support.enrol(student, at=datetime(2026, 9, 1, 9, 0, tzinfo=support.SHANGHAI))
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school, now=support.AFTER_APPEAL_EXPIRY)
    assert row_of(student).reasons == [Reason.NOT_ENROLLED]


def test_confirmed_duplicate_case_cancels_both_students(school, org_tree):
    from aidface.duplicates.models import CaseStatus, DuplicateCase

    first = enrolled_with(school, [NORMAL, NORMAL, NORMAL])
    second = enrolled_with(org_tree.county_school_2, [NORMAL, NORMAL, NORMAL])
    DuplicateCase.objects.create(
        student=second, matched_student=first, office=org_tree.gongyi, search_scope="school", distance=0.2,
        similarity=95, threshold=0.35, model_id="dlib", status=CaseStatus.CONFIRMED,
    )
    recompute_eligibility(semester=support.spring_2026(), school_ids=[school.pk, org_tree.county_school_2.pk], now=support.IN_MAY)
    assert row_of(first).reasons == [Reason.DUPLICATE_IDENTITY]
    assert row_of(second).reasons == [Reason.DUPLICATE_IDENTITY]


def test_cleared_duplicate_case_keeps_aid(school, org_tree):
    from aidface.duplicates.models import CaseStatus, DuplicateCase

    first = enrolled_with(school, [NORMAL, NORMAL, NORMAL])
    second = enrolled_with(school, [NORMAL, NORMAL, NORMAL])
    DuplicateCase.objects.create(
        student=second, matched_student=first, office=org_tree.gongyi, search_scope="school", distance=0.2,
        similarity=95, threshold=0.35, model_id="dlib", status=CaseStatus.CLEARED,
    )
    run(school)
    assert row_of(first).eligible
    assert row_of(second).eligible


def test_duplicate_fraud_enrolment_cancels(school):
    student = support.student(school)
    support.enrol(student, state="duplicate_fraud")
    support.month_results(student, [NORMAL, NORMAL, NORMAL])
    run(school)
    assert row_of(student).reasons == [Reason.DUPLICATE_IDENTITY]


def test_whole_period_internship_keeps_aid(school):
    student = enrolled_with(school, [MARKED, MARKED, MARKED])
    support.internship(student, start=date(2026, 3, 1), end=date(2026, 5, 31))
    run(school)
    row = row_of(student)
    assert row.eligible
    assert row.internship_whole_period


def test_two_internships_covering_window_keep_aid(school):
    student = enrolled_with(school, [MARKED, MARKED, MARKED])
    support.internship(student, start=date(2026, 2, 20), end=date(2026, 4, 10))
    support.internship(student, start=date(2026, 4, 11), end=date(2026, 7, 31))
    run(school)
    assert row_of(student).eligible


def test_partial_internship_does_not_keep_aid(school):
    student = enrolled_with(school, [ABSENT, MARKED, MARKED])
    support.internship(student, start=date(2026, 3, 5), end=date(2026, 5, 31))
    run(school)
    row = row_of(student)
    assert row.reasons == [Reason.NO_NORMAL_ATTENDANCE]
    assert not row.internship_whole_period


def test_unconfirmed_internship_does_not_keep_aid(school):
    student = enrolled_with(school, [MARKED, MARKED, MARKED])
    support.internship(student, start=date(2026, 3, 1), end=date(2026, 5, 31), confirmed=False)
    run(school)
    assert row_of(student).reasons == [Reason.NO_NORMAL_ATTENDANCE]


def test_internship_rule_switched_off(school, org_tree):
    from aidface.policy.services import set_override

    set_override(user=org_tree.users["province"], office=org_tree.province, key="internship_whole_period_eligible", value=False)
    student = enrolled_with(school, [MARKED, MARKED, MARKED])
    support.internship(student, start=date(2026, 3, 1), end=date(2026, 5, 31))
    run(school)
    assert row_of(student).reasons == [Reason.NO_NORMAL_ATTENDANCE]


def test_internship_does_not_waive_enrolment(school):
    student = support.student(school)
    support.month_results(student, [MARKED, MARKED, MARKED])
    support.internship(student, start=date(2026, 3, 1), end=date(2026, 5, 31))
    run(school)
    assert row_of(student).reasons == [Reason.NOT_ENROLLED]


def test_recompute_writes_only_changes(school):
    student = enrolled_with(school, [NORMAL, NORMAL, NORMAL])
    first = run(school)
    second = run(school)
    assert first.written == 1
    assert second.written == 0
    support.month_results(student, [FAILED, FAILED, NORMAL])
    third = run(school)
    assert third.written == 1
    assert row_of(student).reasons == [Reason.FEW_PASSING_MONTHS]


def test_summary_counts_reasons(school):
    enrolled_with(school, [NORMAL, NORMAL, NORMAL])
    enrolled_with(school, [NORMAL, FAILED, FAILED])
    enrolled_with(school, [MARKED, MARKED, FAILED])
    summary = run(school)
    assert summary.students == 3
    assert summary.eligible == 1
    assert summary.cancelled == 2
    assert summary.by_reason == {Reason.FEW_PASSING_MONTHS: 1, Reason.NO_NORMAL_ATTENDANCE: 1}
