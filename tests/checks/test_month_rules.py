"""The month rule alone (no database), and internship months computed from real internship records."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

import checks_support
from aidface.checks import results
from aidface.checks.models import MonthResult, MonthState, Participant, ParticipantStatus
from aidface.checks.results import ActiveMark, InternshipPeriod, Participation, compute_month_state
from aidface.policy.values import PROVINCE_DEFAULTS

SHANGHAI = ZoneInfo("Asia/Shanghai")


def taking_part(check_id, status, *, kind="routine", day=10, rejected=False):
    return Participation(
        check_id=check_id,
        kind=kind,
        status=status,
        starts_at=datetime(2026, 4, day, 9, tzinfo=SHANGHAI),
        forced_pass_rejected=rejected,
    )


def state_of(participations=(), *, mark=None, internships=(), policy=PROVINCE_DEFAULTS):
    return compute_month_state(
        year=2026, month=4, participations=participations, mark=mark, internships=internships, policy=policy
    )


def test_rule_participant_statuses():
    assert state_of([taking_part(1, "passed")]).state == MonthState.NORMAL
    assert state_of([taking_part(1, "forced_pass")]).state == MonthState.FORCED_PASS
    assert state_of([taking_part(1, "forced_pass", rejected=True)]).state == MonthState.FAILED
    assert state_of([taking_part(1, "failed")]).state == MonthState.FAILED
    assert state_of([taking_part(1, "pending")]).state == MonthState.ABSENT
    assert state_of([]).state == MonthState.NOT_REQUIRED


def test_rule_best_routine_order():
    checks = [taking_part(1, "pending", day=1), taking_part(2, "failed", day=2), taking_part(3, "forced_pass", day=3)]
    assert state_of(checks).state == MonthState.FORCED_PASS
    assert state_of(checks[:2]).state == MonthState.FAILED
    assert state_of([*checks, taking_part(4, "passed", day=4)]).source == "routine:4"


def test_rule_latest_routine_when_best_is_off():
    policy = PROVINCE_DEFAULTS.replace(month_takes_best_routine_result=False)
    checks = [taking_part(1, "passed", day=20), taking_part(2, "failed", day=25)]
    assert state_of(checks, policy=policy).state == MonthState.FAILED
    assert state_of(checks).state == MonthState.NORMAL


def test_rule_targeted_override_switch():
    checks = [taking_part(1, "passed"), taking_part(2, "failed", kind="targeted")]
    assert state_of(checks).state == MonthState.FAILED
    assert state_of(checks, policy=PROVINCE_DEFAULTS.replace(targeted_overrides_routine=False)).state == MonthState.NORMAL
    only_targeted = [taking_part(2, "passed", kind="targeted")]
    assert state_of(only_targeted, policy=PROVINCE_DEFAULTS.replace(targeted_overrides_routine=False)).state == MonthState.NORMAL


def test_rule_mark_and_internship():
    mark = ActiveMark(mark_id=7, reason="leave")
    whole_april = InternshipPeriod(date(2026, 3, 20), date(2026, 4, 30), 9)
    part_of_april = InternshipPeriod(date(2026, 4, 2), date(2026, 5, 30), 10)
    assert state_of([taking_part(1, "failed")], mark=mark).state == MonthState.MARKED_PASS
    assert state_of([taking_part(1, "passed")], mark=mark).state == MonthState.NORMAL
    outcome = state_of(internships=[whole_april])
    assert (outcome.state, outcome.mark_reason, outcome.source) == (MonthState.MARKED_PASS, "internship", "internship:9")
    assert state_of(internships=[part_of_april]).state == MonthState.NOT_REQUIRED
    switched_off = PROVINCE_DEFAULTS.replace(internship_month_counts_as_passing=False)
    assert state_of(internships=[whole_april], policy=switched_off).state == MonthState.NOT_REQUIRED
    assert state_of([taking_part(1, "forced_pass")], mark=mark, internships=[whole_april]).source == "mark:7"


def internship(student, *, start, end, confirmed=True):
    from aidface.internships.models import FilingStatus, InternshipRecord

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
        status=FilingStatus.FILED,
        confirmed_at=datetime(2026, 3, 28, 9, tzinfo=SHANGHAI) if confirmed else None,
    )


@pytest.mark.django_db
def test_internship_month_is_marked_pass(org_tree):
    school = org_tree.county_school
    away = checks_support.make_student(school, name="实习生", sequence="131")
    unconfirmed = checks_support.make_student(school, name="未确认", sequence="132")
    partly = checks_support.make_student(school, name="半月实习", sequence="133")
    record = internship(away, start=date(2026, 4, 1), end=date(2026, 6, 30))
    internship(unconfirmed, start=date(2026, 4, 1), end=date(2026, 6, 30), confirmed=False)
    internship(partly, start=date(2026, 4, 10), end=date(2026, 6, 30))
    check = checks_support.make_check(
        office=org_tree.gongyi,
        schools=[school],
        students=[unconfirmed, partly],
        launched_by=org_tree.users["county"],
        starts_at=datetime(2026, 4, 8, 9, tzinfo=SHANGHAI),
    )
    Participant.objects.filter(check_record=check, student=partly).update(status=ParticipantStatus.PASSED)

    results.recompute_month(school_ids=[school.pk], year=2026, month=4, now=datetime(2026, 4, 20, tzinfo=SHANGHAI))
    stored = {row.student_id: row for row in MonthResult.objects.filter(year=2026, month=4)}
    assert stored[away.pk].state == MonthState.MARKED_PASS
    assert stored[away.pk].mark_reason == "internship"
    assert stored[away.pk].source == f"internship:{record.pk}"
    assert stored[unconfirmed.pk].state == MonthState.ABSENT
    assert stored[partly.pk].state == MonthState.NORMAL
