"""Launching targeted checks: scope, the 3-hour limit, locked months, and reproducible samples."""
import random
from datetime import timedelta

import pytest

from checks_launch_support import give_gallery, local, numbered_student

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 17, 9, 0)


def launch(user, schools, *, starts_at=None, minutes=60, method="count", size=3, named=(), seed=None, now=NOW):
    from aidface.checks.launching import launch_targeted_check

    return launch_targeted_check(
        user=user,
        school_ids=[school.pk for school in schools],
        starts_at=starts_at,
        duration_minutes=minutes,
        sample_method=method,
        sample_size=size,
        named_student_ids=list(named),
        seed=seed,
        now=now,
    )


def error_code(call):
    from aidface.checks.errors import CheckError

    with pytest.raises(CheckError) as caught:
        call()
    assert caught.value.message
    return caught.value.code


@pytest.fixture
def pool(org_tree, faces_dir):
    """Ten aid students with galleries at the county school, plus one without a gallery and one not aided."""
    enrolled = []
    for number in range(10):
        student = numbered_student(org_tree.county_school, number)
        give_gallery(student, faces_dir, completed_at=local(2026, 3, 2, 9))
        enrolled.append(student)
    no_gallery = numbered_student(org_tree.county_school, 50)
    not_aided = numbered_student(org_tree.county_school, 51, aided=False)
    give_gallery(not_aided, faces_dir, completed_at=local(2026, 3, 2, 9))
    return {"enrolled": enrolled, "no_gallery": no_gallery, "not_aided": not_aided}


def drawn_ids(check, now):
    from aidface.checks.participants import ensure_participants

    assert ensure_participants(check, now=now)
    return sorted(check.participants.values_list("student_id", flat=True))


def test_targeted_outside_routine_window_accepted(org_tree):
    now = local(2026, 1, 10, 9)
    check = launch(org_tree.users["county"], [org_tree.county_school], starts_at=local(2026, 1, 10, 10), now=now)
    assert (check.year, check.month) == (2026, 1)
    assert check.kind == "targeted"


def test_targeted_starts_now_when_no_start_given(org_tree):
    check = launch(org_tree.users["county"], [org_tree.county_school])
    assert check.starts_at == NOW
    assert check.ends_at == NOW + timedelta(minutes=60)


def test_targeted_three_hour_limit(org_tree):
    check = launch(org_tree.users["county"], [org_tree.county_school], minutes=180)
    assert check.ends_at - check.starts_at == timedelta(hours=3)
    assert error_code(lambda: launch(org_tree.users["county"], [org_tree.county_school], minutes=181)) == "too_long"


def test_targeted_reaches_schools_below(org_tree):
    check = launch(org_tree.users["city"], [org_tree.county_school, org_tree.county_school_2, org_tree.city_school])
    assert set(check.schools.values_list("pk", flat=True)) == {
        org_tree.county_school.pk,
        org_tree.county_school_2.pk,
        org_tree.city_school.pk,
    }
    assert check.office == org_tree.zhengzhou


@pytest.mark.parametrize(
    ("user", "school"),
    [("county", "other_county_school"), ("county", "city_school"), ("other_city", "county_school"), ("city", "province_school")],
)
def test_targeted_outside_jurisdiction_rejected(org_tree, user, school):
    from aidface.checks.models import Check

    code = error_code(lambda: launch(org_tree.users[user], [getattr(org_tree, school)]))
    assert code == "not_in_scope"
    assert not Check.objects.exists()


def test_targeted_needs_a_school(org_tree):
    assert error_code(lambda: launch(org_tree.users["county"], [])) == "no_schools"


def test_targeted_in_locked_month_rejected(org_tree):
    # December locks after the 15th.
    now = local(2026, 12, 16, 9)
    code = error_code(lambda: launch(org_tree.users["county"], [org_tree.county_school], starts_at=local(2026, 12, 16, 10), now=now))
    assert code == "month_locked"


def test_targeted_before_december_lock_accepted(org_tree):
    now = local(2026, 12, 15, 9)
    check = launch(org_tree.users["county"], [org_tree.county_school], starts_at=local(2026, 12, 15, 20), minutes=180, now=now)
    assert check.ends_at == local(2026, 12, 15, 23)
    # Open past the lock: its check-ins still count for December.
    late = launch(org_tree.users["county"], [org_tree.county_school], starts_at=local(2026, 12, 15, 22), minutes=180, now=now)
    assert (late.year, late.month) == (2026, 12)


def test_targeted_start_in_past_rejected(org_tree):
    code = error_code(lambda: launch(org_tree.users["county"], [org_tree.county_school], starts_at=NOW - timedelta(minutes=30)))
    assert code == "start_in_past"


@pytest.mark.parametrize(("method", "size"), [("count", 0), ("count", None), ("percent", 0), ("percent", 101), ("all", None)])
def test_targeted_invalid_sample_rejected(org_tree, method, size):
    code = error_code(lambda: launch(org_tree.users["county"], [org_tree.county_school], method=method, size=size))
    assert code in {"invalid_sample_size", "invalid_sample_method"}


def test_targeted_records_generated_seed(org_tree):
    check = launch(org_tree.users["county"], [org_tree.county_school])
    assert len(check.sample_seed) == 32
    assert check.sample_size == 3


def test_count_sample_reproducible_from_seed(org_tree, pool):
    start = NOW + timedelta(hours=1)
    first = launch(org_tree.users["county"], [org_tree.county_school], starts_at=start, size=4, seed="河南-2026-03")
    second = launch(org_tree.users["city"], [org_tree.county_school], starts_at=start, size=4, seed="河南-2026-03")

    eligible = sorted(student.pk for student in pool["enrolled"])
    expected = sorted(random.Random("河南-2026-03").sample(eligible, 4))
    assert drawn_ids(first, start) == expected
    assert drawn_ids(second, start) == expected


def test_count_sample_leaves_out_ineligible(org_tree, pool):
    start = NOW + timedelta(hours=1)
    check = launch(org_tree.users["county"], [org_tree.county_school], starts_at=start, size=100, seed="all-of-them")
    drawn = drawn_ids(check, start)
    assert drawn == sorted(student.pk for student in pool["enrolled"])
    assert pool["no_gallery"].pk not in drawn
    assert pool["not_aided"].pk not in drawn


def test_percent_sample_rounds_up(org_tree, pool):
    start = NOW + timedelta(hours=1)
    check = launch(org_tree.users["county"], [org_tree.county_school], starts_at=start, method="percent", size=25, seed="s1")
    drawn = drawn_ids(check, start)
    assert len(drawn) == 3
    eligible = sorted(student.pk for student in pool["enrolled"])
    assert drawn == sorted(random.Random("s1").sample(eligible, 3))


def test_targeted_sample_keeps_late_enrolled(org_tree, pool, faces_dir):
    late = numbered_student(org_tree.county_school, 60)
    give_gallery(late, faces_dir, completed_at=local(2026, 4, 25, 9), late=True)
    start = local(2026, 5, 6, 9)
    check = launch(org_tree.users["county"], [org_tree.county_school], starts_at=start, size=100, now=start)
    assert late.pk in drawn_ids(check, start)


def test_named_sample(org_tree, pool):
    start = NOW + timedelta(hours=1)
    named = [pool["enrolled"][1].pk, pool["enrolled"][7].pk]
    check = launch(org_tree.users["county"], [org_tree.county_school], starts_at=start, method="named", size=None, named=named)
    assert check.named_student_ids == sorted(named)
    assert check.sample_seed == ""
    assert check.sample_size is None
    assert drawn_ids(check, start) == sorted(named)


def test_named_student_of_other_school_rejected(org_tree, pool, faces_dir):
    outsider = numbered_student(org_tree.county_school_2, 70)
    give_gallery(outsider, faces_dir, completed_at=local(2026, 3, 2, 9))
    code = error_code(
        lambda: launch(org_tree.users["county"], [org_tree.county_school], method="named", size=None, named=[outsider.pk])
    )
    assert code == "student_not_in_schools"


@pytest.mark.parametrize("which", ["no_gallery", "not_aided"])
def test_named_ineligible_student_rejected(org_tree, pool, which):
    code = error_code(
        lambda: launch(org_tree.users["county"], [org_tree.county_school], method="named", size=None, named=[pool[which].pk])
    )
    assert code == "student_not_eligible"


def test_named_without_students_rejected(org_tree):
    code = error_code(lambda: launch(org_tree.users["county"], [org_tree.county_school], method="named", size=None))
    assert code == "no_students"


def test_targeted_launch_writes_audit_entry(org_tree):
    from aidface.audit.models import AuditEntry

    check = launch(org_tree.users["city"], [org_tree.county_school], seed="abc")
    entry = AuditEntry.objects.get(action="check.launch_targeted")
    assert entry.target_id == str(check.pk)
    assert entry.detail["sample_seed"] == "abc"
    assert entry.detail["school_ids"] == [org_tree.county_school.pk]
