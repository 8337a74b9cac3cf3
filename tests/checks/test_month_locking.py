"""Locking month results: lock moments, December's early lock, checks across midnight, idempotence, appeals."""
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

import checks_support
from aidface.audit.models import AuditEntry
from aidface.checks import locking, results
from aidface.checks.models import (
    CheckIn,
    CheckInOutcome,
    ForcedPassReview,
    MonthResult,
    MonthState,
    Participant,
    ParticipantStatus,
    ReviewState,
)
from aidface.checks.signals import month_results_changed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def school(org_tree):
    return org_tree.county_school


@pytest.fixture
def student(school):
    return checks_support.make_student(school)


def launch(org_tree, students, *, starts_at, kind="routine", minutes=None):
    return checks_support.make_check(
        office=org_tree.gongyi,
        schools=[org_tree.county_school],
        students=students,
        launched_by=org_tree.users["county"],
        starts_at=starts_at,
        kind=kind,
        minutes=minutes,
    )


def set_status(check, student, status):
    Participant.objects.filter(check_record=check, student=student).update(status=status)


def result_of(student, year=2026, month=3):
    return MonthResult.objects.get(student=student, year=year, month=month)


def test_lock_due_months_computes_final_results_and_locks(org_tree, school, student):
    launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    assert results.lock_due_months(now=at(2026, 3, 31, 23, 59)) == 0
    assert not MonthResult.objects.filter(locked=True).exists()

    assert results.lock_due_months(now=at(2026, 4, 1, 0, 0)) == 1
    result = result_of(student)
    assert result.state == MonthState.ABSENT
    assert result.locked
    assert result.locked_at == at(2026, 4, 1, 0, 0)
    assert AuditEntry.objects.filter(action="month_result.lock").count() == 1


def test_lock_months_idempotent(org_tree, school, student):
    check = launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    set_status(check, student, ParticipantStatus.PASSED)
    first = StringIO()
    call_command("lock_months", "--now", "2026-04-02T08:00+08:00", stdout=first)
    assert "2026-03: 1 schools, 1 month results locked" in first.getvalue()
    locked_at = result_of(student).locked_at

    second = StringIO()
    call_command("lock_months", "--now", "2026-04-03T08:00+08:00", stdout=second)
    assert "locked 0 month results in 0 months" in second.getvalue()
    assert result_of(student).locked_at == locked_at
    assert result_of(student).state == MonthState.NORMAL
    assert MonthResult.objects.filter(year=2026, month=3).count() == 1
    assert AuditEntry.objects.filter(action="month_result.lock").count() == 1


def test_lock_months_rejects_naive_now(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="UTC offset"):
        call_command("lock_months", "--now", "2026-04-02T08:00", stdout=StringIO())


def test_locked_month_not_recomputed(org_tree, school, student):
    check = launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    results.lock_due_months(now=at(2026, 4, 1, 0, 5))
    set_status(check, student, ParticipantStatus.PASSED)
    assert results.recompute_month(school_ids=[school.pk], year=2026, month=3, now=at(2026, 4, 2, 9)) == 0
    assert result_of(student).state == MonthState.ABSENT


def test_locked_row_not_recomputed_even_before_lock_moment(org_tree, school, student):
    check = launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    results.recompute_month(school_ids=[school.pk], year=2026, month=3, now=at(2026, 3, 20, 9))
    MonthResult.objects.filter(student=student).update(locked=True)
    set_status(check, student, ParticipantStatus.PASSED)
    assert results.recompute_month(school_ids=[school.pk], year=2026, month=3, now=at(2026, 3, 21, 9)) == 0
    assert result_of(student).state == MonthState.ABSENT


def test_targeted_not_overriding_after_lock(org_tree, school, student):
    routine = launch(org_tree, [student], starts_at=at(2026, 12, 1, 9))
    set_status(routine, student, ParticipantStatus.PASSED)
    results.lock_due_months(now=at(2026, 12, 16, 0, 1))
    assert result_of(student, month=12).state == MonthState.NORMAL

    # December locked after the 15th; a targeted check started on 12-17 still belongs to December.
    targeted = launch(org_tree, [student], starts_at=at(2026, 12, 17, 9), kind="targeted")
    set_status(targeted, student, ParticipantStatus.FAILED)
    results.recompute_for_participant(Participant.objects.get(check_record=targeted), now=at(2026, 12, 17, 10))
    results.lock_due_months(now=at(2026, 12, 18, 0, 1))
    assert result_of(student, month=12).state == MonthState.NORMAL
    assert result_of(student, month=12).source == f"routine:{routine.pk}"


def test_targeted_after_lock_ignored_by_late_lock_run(org_tree, school, student):
    routine = launch(org_tree, [student], starts_at=at(2026, 12, 1, 9))
    targeted = launch(org_tree, [student], starts_at=at(2026, 12, 17, 9), kind="targeted")
    set_status(routine, student, ParticipantStatus.PASSED)
    set_status(targeted, student, ParticipantStatus.FAILED)
    # The scheduler did not run between 12-16 and 12-18, so the first lock run sees the targeted check.
    assert results.lock_due_months(now=at(2026, 12, 18, 0, 1)) == 1
    assert result_of(student, month=12).state == MonthState.NORMAL
    assert result_of(student, month=12).source == f"routine:{routine.pk}"


def test_targeted_overrides_while_unlocked_then_locks(org_tree, school, student):
    routine = launch(org_tree, [student], starts_at=at(2026, 12, 1, 9))
    targeted = launch(org_tree, [student], starts_at=at(2026, 12, 10, 9), kind="targeted")
    set_status(routine, student, ParticipantStatus.PASSED)
    set_status(targeted, student, ParticipantStatus.FAILED)
    results.recompute_for_participant(Participant.objects.get(check_record=targeted), now=at(2026, 12, 10, 10))
    assert result_of(student, month=12).state == MonthState.FAILED
    results.lock_due_months(now=at(2026, 12, 16, 0, 1))
    assert result_of(student, month=12).state == MonthState.FAILED
    assert result_of(student, month=12).locked


def test_december_lock_after_the_15th(org_tree, school, student):
    launch(org_tree, [student], starts_at=at(2026, 12, 1, 9))
    assert not locking.is_month_locked(school=school, year=2026, month=12, at=at(2026, 12, 15, 23, 59))
    assert locking.is_month_locked(school=school, year=2026, month=12, at=at(2026, 12, 16, 0, 0))
    assert results.lock_due_months(now=at(2026, 12, 15, 23, 59)) == 0
    assert results.lock_due_months(now=at(2026, 12, 16, 0, 0)) == 1
    assert result_of(student, month=12).locked


def test_november_locks_at_month_end_not_mid_month(org_tree, school, student):
    launch(org_tree, [student], starts_at=at(2026, 11, 3, 9))
    assert results.lock_due_months(now=at(2026, 11, 16, 0, 0)) == 0
    assert results.lock_due_months(now=at(2026, 12, 1, 0, 0)) == 1


def test_check_across_midnight_belongs_to_its_month(org_tree, school, student):
    check = launch(org_tree, [student], starts_at=at(2026, 3, 31, 22, 0), minutes=180)
    assert (check.year, check.month) == (2026, 3)
    check_in_moment = at(2026, 4, 1, 0, 30)

    # The plain lock moment has passed, but the check is still open, so check-ins count for March.
    assert locking.is_month_locked(school=school, year=2026, month=3, at=check_in_moment)
    assert locking.results_final_at(school=school, year=2026, month=3) == at(2026, 4, 1, 1, 0)
    locking.check_results_not_final(school=school, year=2026, month=3, at=check_in_moment)
    assert results.lock_due_months(now=at(2026, 4, 1, 0, 5)) == 0

    set_status(check, student, ParticipantStatus.PASSED)
    results.recompute_for_participant(Participant.objects.get(check_record=check), now=check_in_moment)
    assert result_of(student).state == MonthState.NORMAL
    assert not MonthResult.objects.filter(student=student, month=4).exists()

    with pytest.raises(locking.MonthLockedError):
        locking.check_results_not_final(school=school, year=2026, month=3, at=at(2026, 4, 1, 1, 0))
    assert results.lock_due_months(now=at(2026, 4, 1, 1, 0)) == 1
    assert result_of(student).locked
    assert result_of(student).state == MonthState.NORMAL


def test_apply_appeal_on_locked_month(org_tree, school, student):
    check = launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    set_status(check, student, ParticipantStatus.FAILED)
    results.lock_due_months(now=at(2026, 4, 1, 0, 5))
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs["student_ids"])

    month_results_changed.connect(listener)
    try:
        changed = results.apply_appeal(
            student_ids=[student.pk], year=2026, month=3, appeal_ref="17", user=org_tree.users["county"], now=at(2026, 4, 5, 9)
        )
    finally:
        month_results_changed.disconnect(listener)
    assert changed == 1
    assert received == [[student.pk]]
    result = result_of(student)
    assert result.state == MonthState.APPEAL_NORMAL
    assert result.state_before_appeal == MonthState.FAILED
    assert result.appeal_ref == "17"
    assert result.locked
    assert result.is_normal_attendance


def test_apply_appeal_kept_by_recompute_and_idempotent(org_tree, school, student):
    launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    results.apply_appeal(student_ids=[student.pk], year=2026, month=3, appeal_ref="5", user=None, now=at(2026, 3, 20, 9))
    assert result_of(student).state_before_appeal == MonthState.ABSENT
    assert results.recompute_month(school_ids=[school.pk], year=2026, month=3, now=at(2026, 3, 21, 9)) == 0
    assert results.apply_appeal(student_ids=[student.pk], year=2026, month=3, appeal_ref="5", user=None) == 0
    assert result_of(student).state == MonthState.APPEAL_NORMAL


def test_rejected_forced_pass_changes_locked_month(org_tree, school, student):
    check = launch(org_tree, [student], starts_at=at(2026, 3, 10, 9))
    set_status(check, student, ParticipantStatus.FORCED_PASS)
    results.lock_due_months(now=at(2026, 4, 1, 0, 5))
    assert result_of(student).state == MonthState.FORCED_PASS

    participant = Participant.objects.get(check_record=check)
    check_in = CheckIn.objects.create(
        participant=participant, check_record=check, student=student, school=school, channel="terminal",
        number=1, outcome=CheckInOutcome.FORCED_PASS, created_at=at(2026, 3, 10, 10),
    )
    ForcedPassReview.objects.create(
        check_in=check_in, participant=participant, office=org_tree.gongyi, state=ReviewState.FAILED,
        due_at=at(2026, 5, 1), created_at=at(2026, 3, 10, 10),
    )
    participant.status = ParticipantStatus.FAILED
    participant.save()
    results.recompute_for_participant(participant, now=at(2026, 4, 6, 9))
    result = result_of(student)
    assert result.state == MonthState.FAILED
    assert result.locked


@pytest.mark.django_db
def test_lock_months_command_rejects_future_now():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="future"):
        call_command("lock_months", "--now", "2099-01-01T00:30+08:00", stdout=StringIO())
