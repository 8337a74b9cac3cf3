"""Who sees a check when, the schools' notice, cancelling before the start, open participations and progress."""
from datetime import date, time, timedelta

import pytest

import checks_support
from checks_launch_support import give_gallery, local, numbered_student

pytestmark = pytest.mark.django_db

LAUNCHED = local(2026, 3, 10, 9)
START = local(2026, 3, 17, 9)


@pytest.fixture
def routine(org_tree):
    from aidface.checks.launching import launch_routine_check

    checks_support.approve_campus(org_tree.campus)
    return launch_routine_check(
        user=org_tree.users["county"],
        day=date(2026, 3, 17),
        start_time=time(9, 0),
        random_time_today=False,
        duration_minutes=120,
        now=LAUNCHED,
    )


@pytest.fixture
def enrolled(org_tree, faces_dir):
    found = []
    for number in range(3):
        student = numbered_student(org_tree.county_school, number)
        give_gallery(student, faces_dir, completed_at=local(2026, 3, 2, 9))
        found.append(student)
    return found


def visible(user, now):
    from aidface.checks.selectors import visible_checks

    return list(visible_checks(user, now=now).values_list("pk", flat=True))


def test_before_start_only_launching_office_sees_check(routine, org_tree):
    before = START - timedelta(minutes=1)
    assert visible(org_tree.users["county"], before) == [routine.pk]
    for role in ["city", "province", "other_county", "operator", "principal", "terminal", "student", "other_principal"]:
        assert visible(org_tree.users[role], before) == [], role


def test_from_start_schools_and_offices_above_see_check(routine, org_tree):
    for role in ["county", "city", "province", "operator", "principal", "terminal"]:
        assert visible(org_tree.users[role], START) == [routine.pk], role
    for role in ["other_county", "other_city", "other_principal", "student"]:
        assert visible(org_tree.users[role], START) == [], role


def test_school_not_covered_never_sees_check(routine, org_tree):
    from aidface.org.models import Role, User

    operator_2 = User.objects.create(username="gongyi2_op", role=Role.SCHOOL_OPERATOR, school=org_tree.county_school_2)
    assert visible(operator_2, START + timedelta(minutes=5)) == []


def test_is_open_bounds(routine):
    from aidface.checks.selectors import is_open

    assert not is_open(routine, START - timedelta(seconds=1))
    assert is_open(routine, START)
    assert is_open(routine, routine.ends_at - timedelta(seconds=1))
    assert not is_open(routine, routine.ends_at)


def test_notice_shown_from_start_and_recorded_once(routine, org_tree):
    from aidface.audit.models import AuditEntry
    from aidface.checks.models import CheckSchool
    from aidface.checks.notices import notify_open_checks

    operator = org_tree.users["operator"]
    assert notify_open_checks(operator, now=START - timedelta(minutes=1)) == []
    assert CheckSchool.objects.get(check_record=routine).notified_at is None

    notices = notify_open_checks(operator, now=START + timedelta(minutes=3))
    assert [notice.check.pk for notice in notices] == [routine.pk]
    assert notices[0].text.startswith("今日抽查进行中")
    assert CheckSchool.objects.get(check_record=routine).notified_at == START + timedelta(minutes=3)

    notify_open_checks(org_tree.users["principal"], now=START + timedelta(minutes=9))
    assert CheckSchool.objects.get(check_record=routine).notified_at == START + timedelta(minutes=3)
    assert AuditEntry.objects.filter(action="check.notify").count() == 1

    assert notify_open_checks(operator, now=routine.ends_at) == []


@pytest.mark.parametrize("role", ["other_principal", "county", "student", "terminal"])
def test_notice_not_shown_to_others(routine, org_tree, role):
    from aidface.checks.notices import notify_open_checks

    assert notify_open_checks(org_tree.users[role], now=START + timedelta(minutes=1)) == []


def test_cancel_before_start(routine, org_tree):
    from aidface.audit.models import AuditEntry
    from aidface.checks.launching import cancel_check
    from aidface.checks.notices import notify_open_checks

    cancel_check(user=org_tree.users["county"], check=routine, now=START - timedelta(minutes=5))
    routine.refresh_from_db()
    assert routine.cancelled_at == START - timedelta(minutes=5)
    assert routine.cancelled_by == org_tree.users["county"]
    assert AuditEntry.objects.filter(action="check.cancel", target_id=str(routine.pk)).exists()
    # The launching office keeps it in its list; nobody else ever sees it.
    assert visible(org_tree.users["county"], START) == [routine.pk]
    assert visible(org_tree.users["operator"], START) == []
    assert visible(org_tree.users["city"], START) == []
    assert notify_open_checks(org_tree.users["operator"], now=START) == []


def test_cancel_rejected_after_start_or_by_others(routine, org_tree):
    from aidface.checks.errors import CheckError
    from aidface.checks.launching import cancel_check

    with pytest.raises(CheckError) as started:
        cancel_check(user=org_tree.users["county"], check=routine, now=START)
    assert started.value.code == "already_started"
    with pytest.raises(CheckError) as other:
        cancel_check(user=org_tree.users["city"], check=routine, now=LAUNCHED)
    assert other.value.code == "not_launching_office"
    cancel_check(user=org_tree.users["county"], check=routine, now=LAUNCHED)
    with pytest.raises(CheckError) as twice:
        cancel_check(user=org_tree.users["county"], check=routine, now=LAUNCHED)
    assert twice.value.code == "already_cancelled"


def test_open_participation_draws_and_returns_row(routine, enrolled, org_tree):
    from aidface.checks.selectors import open_participation

    assert open_participation(enrolled[0], now=START - timedelta(minutes=1)) is None
    participant = open_participation(enrolled[0], now=START + timedelta(minutes=1))
    assert participant.check_record_id == routine.pk
    assert participant.student_id == enrolled[0].pk
    assert routine.participants.count() == 3
    assert open_participation(enrolled[0], now=routine.ends_at) is None


def test_open_participation_prefers_unfinished_check(routine, enrolled, org_tree):
    from aidface.checks.launching import launch_targeted_check
    from aidface.checks.models import ParticipantStatus
    from aidface.checks.selectors import open_participation

    targeted = launch_targeted_check(
        user=org_tree.users["city"],
        school_ids=[org_tree.county_school.pk],
        starts_at=START + timedelta(minutes=10),
        duration_minutes=180,
        sample_method="named",
        sample_size=None,
        named_student_ids=[enrolled[0].pk],
        now=LAUNCHED,
    )
    now = START + timedelta(minutes=20)
    first = open_participation(enrolled[0], now=now)
    # The routine check ends first, so it comes first while both wait for the student.
    assert first.check_record_id == routine.pk
    first.status = ParticipantStatus.PASSED
    first.save()
    assert open_participation(enrolled[0], now=now).check_record_id == targeted.pk


def test_open_participation_none_for_student_not_drawn(routine, org_tree):
    from aidface.checks.selectors import open_participation

    outsider = numbered_student(org_tree.county_school, 40)
    assert open_participation(outsider, now=START + timedelta(minutes=1)) is None


def test_progress_counts(routine, enrolled, org_tree):
    from aidface.checks.models import ParticipantStatus
    from aidface.checks.selectors import check_progress, progress_by_check, school_counts

    progress = check_progress(routine, now=START + timedelta(minutes=30))
    assert progress.state == "open"
    assert progress.time_left == timedelta(minutes=90)
    assert (progress.progress.total, progress.progress.remaining, progress.progress.checked_in) == (3, 3, 0)

    participants = list(routine.participants.order_by("pk"))
    participants[0].status = ParticipantStatus.PASSED
    participants[1].status = ParticipantStatus.FORCED_PASS
    for participant in participants[:2]:
        participant.save()

    progress = check_progress(routine, now=routine.ends_at)
    assert progress.state == "ended"
    assert progress.time_left is None
    totals = progress.progress
    assert (totals.passed, totals.failed, totals.forced_pass, totals.remaining, totals.checked_in) == (1, 0, 1, 1, 2)
    assert [(row.school_id, row.progress.total) for row in progress.schools] == [(org_tree.county_school.pk, 3)]

    listed = progress_by_check([routine.pk])[routine.pk]
    assert (listed.total, listed.passed, listed.failed, listed.forced_pass, listed.remaining) == (3, 1, 0, 1, 1)
    assert progress_by_check([routine.pk], school_ids=[org_tree.county_school_2.pk])[routine.pk].total == 0
    assert school_counts([routine.pk]) == {routine.pk: 1}


def test_progress_limited_to_viewer_schools(org_tree, faces_dir):
    from aidface.checks.launching import launch_targeted_check
    from aidface.checks.selectors import check_progress
    from aidface.org.models import Role, User

    for number, school in enumerate([org_tree.county_school, org_tree.county_school_2]):
        student = numbered_student(school, number)
        give_gallery(student, faces_dir, completed_at=local(2026, 3, 2, 9))
    check = launch_targeted_check(
        user=org_tree.users["county"],
        school_ids=[org_tree.county_school.pk, org_tree.county_school_2.pk],
        starts_at=START,
        duration_minutes=60,
        sample_method="percent",
        sample_size=100,
        named_student_ids=[],
        now=LAUNCHED,
    )
    whole = check_progress(check, now=START)
    assert whole.progress.total == 2
    operator = org_tree.users["operator"]
    own = check_progress(check, user=operator, now=START)
    assert own.progress.total == 1
    assert [row.school_id for row in own.schools] == [org_tree.county_school.pk]
    assert User.objects.filter(role=Role.SCHOOL_OPERATOR).count() == 1
