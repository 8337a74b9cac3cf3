"""Drawing routine check participants at the start: enrolment, aid status and internship rules."""
from datetime import date, time, timedelta

import pytest

import checks_support
from checks_launch_support import file_internship, give_gallery, local, numbered_student

pytestmark = pytest.mark.django_db

LAUNCHED = local(2026, 5, 1, 9)
START = local(2026, 5, 6, 9)


@pytest.fixture
def students(org_tree, faces_dir):
    """One aid student per case at the county school; the comments tell whether a routine check on 05-06 covers them."""
    school = org_tree.county_school
    students_by_case = {}

    def add(key, number, *, aided=True, **gallery):
        student = numbered_student(school, number, aided=aided, name=key)
        if gallery:
            give_gallery(student, faces_dir, **gallery)
        students_by_case[key] = student

    add("on_time", 1, completed_at=local(2026, 3, 2, 9))  # in
    add("late", 2, completed_at=local(2026, 4, 25, 9), late=True)  # out: late in this semester (Art. 6)
    add("late_last_semester", 3, completed_at=local(2025, 11, 25, 9), late=True)  # in
    add("not_enrolled", 4)  # out
    add(
        "provisional",
        5,
        completed_at=local(2026, 3, 5, 9),
        state="provisional",
        provisional_until=local(2026, 7, 1),
    )  # in (Art. 7)
    add(
        "provisional_appeal",
        6,
        completed_at=local(2026, 3, 5, 9),
        state="appeal_pending",
        provisional_until=local(2026, 7, 1),
    )  # in
    add(
        "provisional_expired",
        7,
        completed_at=local(2025, 10, 5, 9),
        state="provisional",
        provisional_until=local(2026, 1, 1),
    )  # out
    add("not_aided", 8, aided=False, completed_at=local(2026, 3, 2, 9))  # out
    add("proposed", 9, completed_at=local(2026, 3, 2, 9))  # in
    add("enrolled_after_start", 10, completed_at=START + timedelta(hours=1))  # out
    add("on_internship", 11, completed_at=local(2026, 3, 2, 9))  # out (Art. 18)
    add("internship_over", 12, completed_at=local(2026, 3, 2, 9))  # in
    add("internship_unconfirmed", 13, completed_at=local(2026, 3, 2, 9))  # in
    add("duplicate_review", 14, completed_at=local(2026, 3, 2, 9), state="awaiting_duplicate_review")  # out

    from aidface.roster.models import AidStatus

    students_by_case["proposed"].aid_status = AidStatus.PROPOSED
    students_by_case["proposed"].save()
    file_internship(students_by_case["on_internship"], start=date(2026, 5, 1), end=date(2026, 6, 30))
    file_internship(students_by_case["internship_over"], start=date(2026, 3, 1), end=date(2026, 5, 5))
    file_internship(students_by_case["internship_unconfirmed"], start=date(2026, 5, 1), end=date(2026, 6, 30), confirmed=False)

    other_school = numbered_student(org_tree.county_school_2, 20, name="other_school")
    give_gallery(other_school, faces_dir, completed_at=local(2026, 3, 2, 9))
    students_by_case["other_school"] = other_school
    return students_by_case


EXPECTED_IN = {"on_time", "late_last_semester", "provisional", "provisional_appeal", "proposed", "internship_over", "internship_unconfirmed"}


@pytest.fixture
def routine(org_tree):
    from aidface.checks.launching import launch_routine_check

    checks_support.approve_campus(org_tree.campus)
    return launch_routine_check(
        user=org_tree.users["county"],
        day=date(2026, 5, 6),
        start_time=time(9, 0),
        random_time_today=False,
        duration_minutes=120,
        now=LAUNCHED,
    )


def test_routine_participants_follow_rules(routine, students):
    from aidface.checks.participants import ensure_participants

    assert ensure_participants(routine, now=START)
    names = set(routine.participants.values_list("student__name", flat=True))
    assert names == EXPECTED_IN
    for key in ["late", "not_enrolled", "provisional_expired", "not_aided", "enrolled_after_start", "on_internship", "other_school"]:
        assert key not in names


def test_participant_school_recorded(routine, students, org_tree):
    from aidface.checks.participants import ensure_participants

    ensure_participants(routine, now=START)
    assert set(routine.participants.values_list("school_id", flat=True)) == {org_tree.county_school.pk}
    assert set(routine.participants.values_list("status", flat=True)) == {"pending"}


def test_bulk_rule_agrees_with_per_student_rule(routine, students):
    from aidface.checks.participants import routine_participant_rows
    from aidface.enrolment.selectors import takes_part_in_routine_checks
    from aidface.roster.models import Student

    for at in [START, local(2026, 3, 10, 9), local(2026, 4, 21, 9), local(2026, 6, 15, 9)]:
        rows = routine_participant_rows(school_ids=[routine.schools.get().pk], semester=routine.semester, at=at)
        bulk = {student_id for student_id, _ in rows}
        one_by_one = {
            student.pk
            for student in Student.objects.filter(school=routine.schools.get())
            if student.is_aid_student and takes_part_in_routine_checks(student=student, semester=routine.semester, at=at)
        }
        assert bulk == one_by_one, at


def test_late_students_join_when_policy_allows(routine, students, org_tree):
    from aidface.checks.participants import ensure_participants
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="late_students_skip_routine_checks", value=False)
    ensure_participants(routine, now=START)
    assert "late" in set(routine.participants.values_list("student__name", flat=True))


def test_participants_not_drawn_before_start(routine, students):
    from aidface.checks.participants import ensure_participants

    assert not ensure_participants(routine, now=START - timedelta(seconds=1))
    routine.refresh_from_db()
    assert routine.participants_drawn_at is None
    assert not routine.participants.exists()


def test_participants_drawn_once(routine, students):
    from aidface.audit.models import AuditEntry
    from aidface.checks.models import Check
    from aidface.checks.participants import ensure_participants

    later = START + timedelta(minutes=10)
    assert ensure_participants(routine, now=later)
    count = routine.participants.count()

    # A stale copy of the check row (another request) draws nothing either.
    stale = Check.objects.get(pk=routine.pk)
    stale.participants_drawn_at = None
    assert not ensure_participants(stale, now=later + timedelta(minutes=1))
    assert not ensure_participants(routine, now=later + timedelta(minutes=2))
    assert routine.participants.count() == count
    routine.refresh_from_db()
    assert routine.participants_drawn_at == later
    entry = AuditEntry.objects.get(action="check.draw_participants")
    assert entry.detail["participants"] == count
    assert entry.office_id == routine.office_id


def test_rules_apply_at_start_even_when_drawn_late(routine, students, faces_dir, org_tree):
    from aidface.checks.participants import ensure_participants

    # Enrolled after the start, before anyone opened the check.
    newcomer = numbered_student(org_tree.county_school, 30, name="newcomer")
    give_gallery(newcomer, faces_dir, completed_at=START + timedelta(minutes=30))
    ensure_participants(routine, now=START + timedelta(hours=1))
    assert not routine.participants.filter(student=newcomer).exists()


def test_cancelled_check_draws_nothing(routine, students, org_tree):
    from aidface.checks.launching import cancel_check
    from aidface.checks.participants import ensure_participants

    cancel_check(user=org_tree.users["county"], check=routine, now=LAUNCHED + timedelta(hours=1))
    routine.refresh_from_db()
    assert not ensure_participants(routine, now=START)
    assert not routine.participants.exists()
