"""Month results from real participant rows: every state of the month and the routine/targeted rules."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

import checks_support
from aidface.checks import results
from aidface.checks.models import (
    CheckIn,
    CheckInOutcome,
    ForcedPassReview,
    Mark,
    MonthResult,
    MonthState,
    Participant,
    ParticipantStatus,
    ReviewState,
)
from aidface.checks.signals import month_results_changed

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH_10 = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
MARCH_20 = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
MARCH_25 = datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI)
MARCH_28 = datetime(2026, 3, 28, 9, 0, tzinfo=SHANGHAI)
IN_MARCH = datetime(2026, 3, 29, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture
def school(org_tree):
    return org_tree.county_school


@pytest.fixture
def student(school):
    return checks_support.make_student(school)


def launch(org_tree, students, *, at, kind="routine"):
    return checks_support.make_check(
        office=org_tree.gongyi,
        schools=[org_tree.county_school],
        students=students,
        launched_by=org_tree.users["county"],
        starts_at=at,
        kind=kind,
    )


def set_status(check, student, status):
    Participant.objects.filter(check_record=check, student=student).update(status=status)


def result_of(student, month=3):
    return MonthResult.objects.get(student=student, year=2026, month=month)


def recompute(school, month=3, now=IN_MARCH):
    return results.recompute_month(school_ids=[school.pk], year=2026, month=month, now=now)


def test_month_result_passed_is_normal(org_tree, school, student):
    check = launch(org_tree, [student], at=MARCH_10)
    set_status(check, student, ParticipantStatus.PASSED)
    recompute(school)
    result = result_of(student)
    assert result.state == MonthState.NORMAL
    assert result.source == f"routine:{check.pk}"
    assert result.semester.year == 2026
    assert result.semester.term == "spring"
    assert not result.locked


def test_month_result_pending_after_close_is_absent(org_tree, school, student):
    launch(org_tree, [student], at=MARCH_10)
    recompute(school)
    assert result_of(student).state == MonthState.ABSENT


def test_month_result_failed_and_forced_pass(org_tree, school, student):
    other = checks_support.make_student(school, name="李华", sequence="124")
    check = launch(org_tree, [student, other], at=MARCH_10)
    set_status(check, student, ParticipantStatus.FAILED)
    set_status(check, other, ParticipantStatus.FORCED_PASS)
    recompute(school)
    assert result_of(student).state == MonthState.FAILED
    assert result_of(other).state == MonthState.FORCED_PASS


def test_month_result_forced_pass_reviewed_as_failed(org_tree, school, student):
    check = launch(org_tree, [student], at=MARCH_10)
    set_status(check, student, ParticipantStatus.FORCED_PASS)
    participant = Participant.objects.get(check_record=check, student=student)
    check_in = CheckIn.objects.create(
        participant=participant,
        check_record=check,
        student=student,
        school=school,
        channel="terminal",
        number=1,
        outcome=CheckInOutcome.FORCED_PASS,
        created_at=MARCH_10,
    )
    ForcedPassReview.objects.create(
        check_in=check_in,
        participant=participant,
        office=org_tree.gongyi,
        state=ReviewState.FAILED,
        due_at=datetime(2026, 4, 10, tzinfo=SHANGHAI),
        created_at=MARCH_10,
    )
    recompute(school)
    assert result_of(student).state == MonthState.FAILED


def test_month_result_without_check_is_not_required(org_tree, school, student):
    not_aided = checks_support.make_student(school, name="王芳", sequence="125", aided=False)
    recompute(school)
    assert result_of(student).state == MonthState.NOT_REQUIRED
    assert result_of(student).source == ""
    assert not MonthResult.objects.filter(student=not_aided).exists()


def test_month_result_best_of_several_routine_checks(org_tree, school, student):
    first = launch(org_tree, [student], at=MARCH_10)
    second = launch(org_tree, [student], at=MARCH_20)
    third = launch(org_tree, [student], at=MARCH_25)
    set_status(first, student, ParticipantStatus.FORCED_PASS)
    set_status(second, student, ParticipantStatus.PASSED)
    set_status(third, student, ParticipantStatus.FAILED)
    recompute(school)
    result = result_of(student)
    assert result.state == MonthState.NORMAL
    assert result.source == f"routine:{second.pk}"


def test_month_result_latest_routine_when_policy_says_so(org_tree, school, student):
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="month_takes_best_routine_result", value="false")
    first = launch(org_tree, [student], at=MARCH_10)
    second = launch(org_tree, [student], at=MARCH_20)
    set_status(first, student, ParticipantStatus.PASSED)
    set_status(second, student, ParticipantStatus.FAILED)
    recompute(school)
    assert result_of(student).state == MonthState.FAILED


def test_month_result_targeted_failure_overrides_normal(org_tree, school, student):
    routine = launch(org_tree, [student], at=MARCH_10)
    targeted = launch(org_tree, [student], at=MARCH_20, kind="targeted")
    set_status(routine, student, ParticipantStatus.PASSED)
    set_status(targeted, student, ParticipantStatus.FAILED)
    recompute(school)
    result = result_of(student)
    assert result.state == MonthState.FAILED
    assert result.source == f"targeted:{targeted.pk}"


def test_month_result_targeted_pass_overrides_absent(org_tree, school, student):
    launch(org_tree, [student], at=MARCH_20)
    targeted = launch(org_tree, [student], at=MARCH_10, kind="targeted")
    set_status(targeted, student, ParticipantStatus.PASSED)
    recompute(school)
    result = result_of(student)
    assert result.state == MonthState.NORMAL
    assert result.source == f"targeted:{targeted.pk}"


def test_month_result_latest_targeted_wins(org_tree, school, student):
    early = launch(org_tree, [student], at=MARCH_20, kind="targeted")
    late = launch(org_tree, [student], at=MARCH_28, kind="targeted")
    set_status(early, student, ParticipantStatus.PASSED)
    set_status(late, student, ParticipantStatus.FAILED)
    recompute(school)
    assert result_of(student).source == f"targeted:{late.pk}"
    assert result_of(student).state == MonthState.FAILED


def test_month_result_cancelled_check_ignored(org_tree, school, student):
    check = launch(org_tree, [student], at=MARCH_10)
    check.cancelled_at = MARCH_10
    check.cancelled_by = org_tree.users["county"]
    check.save()
    recompute(school)
    assert result_of(student).state == MonthState.NOT_REQUIRED


def test_month_result_mark_turns_failure_into_marked_pass(org_tree, school, student):
    check = launch(org_tree, [student], at=MARCH_10)
    set_status(check, student, ParticipantStatus.FAILED)
    mark = Mark.objects.create(
        student=student, school=school, year=2026, month=3, reason="leave", note="病假",
        marked_by=org_tree.users["operator"], marked_at=MARCH_10,
    )
    recompute(school)
    result = result_of(student)
    assert result.state == MonthState.MARKED_PASS
    assert result.mark_reason == "leave"
    assert result.source == f"mark:{mark.pk}"


def test_month_result_mark_keeps_normal(org_tree, school, student):
    check = launch(org_tree, [student], at=MARCH_10)
    set_status(check, student, ParticipantStatus.PASSED)
    Mark.objects.create(
        student=student, school=school, year=2026, month=3, reason="training",
        marked_by=org_tree.users["operator"], marked_at=MARCH_10,
    )
    recompute(school)
    assert result_of(student).state == MonthState.NORMAL
    assert result_of(student).mark_reason == ""


def test_month_result_outside_routine_window_not_stored(org_tree, school, student):
    assert results.recompute_month(school_ids=[school.pk], year=2026, month=6, now=IN_MARCH) == 0
    assert not MonthResult.objects.exists()


def test_recompute_for_participant_updates_one_student(org_tree, school, student):
    other = checks_support.make_student(school, name="李华", sequence="124")
    check = launch(org_tree, [student, other], at=MARCH_10)
    set_status(check, student, ParticipantStatus.PASSED)
    results.recompute_for_participant(Participant.objects.get(check_record=check, student=student), now=IN_MARCH)
    assert result_of(student).state == MonthState.NORMAL
    assert not MonthResult.objects.filter(student=other).exists()


def test_recompute_month_sends_signal_only_on_change(org_tree, school, student):
    check = launch(org_tree, [student], at=MARCH_10)
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    month_results_changed.connect(listener)
    try:
        assert recompute(school) == 1
        assert recompute(school) == 0
        set_status(check, student, ParticipantStatus.PASSED)
        assert recompute(school) == 1
    finally:
        month_results_changed.disconnect(listener)
    assert len(received) == 2
    assert received[0]["student_ids"] == [student.pk]
    assert received[0]["semester_id"] == result_of(student).semester_id


def count_recompute_queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MonthResult.objects.all().delete()
    with CaptureQueriesContext(connection) as context:
        changed = results.recompute_month(school_ids=None, year=2026, month=3, now=IN_MARCH)
    return changed, len(context.captured_queries)


def test_recompute_query_count_constant(org_tree, school):
    few = [checks_support.make_student(school, name=f"学生{index}", sequence=f"{200 + index}") for index in range(3)]
    check = launch(org_tree, few, at=MARCH_10)
    few_changed, few_queries = count_recompute_queries()

    many = [checks_support.make_student(school, name=f"学生{index}", sequence=f"{300 + index}") for index in range(40)]
    Participant.objects.bulk_create(Participant(check_record=check, student=item, school=school) for item in many)
    Participant.objects.filter(check_record=check, student__in=many[:20]).update(status=ParticipantStatus.PASSED)
    many_changed, many_queries = count_recompute_queries()

    assert few_changed == 3
    assert many_changed == 43
    assert many_queries == few_queries
    states = list(MonthResult.objects.values_list("state", flat=True))
    assert states.count(MonthState.NORMAL) == 20
    assert states.count(MonthState.ABSENT) == 23
