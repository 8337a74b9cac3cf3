"""Launching routine checks: the window, the 5-hour limit, random times today, direct schools, audit."""
import random
from datetime import date, time, timedelta

import pytest

from checks_launch_support import approved_campus, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(org_tree):
    import checks_support

    checks_support.approve_campus(org_tree.campus)
    return org_tree


def launch(user, *, day=None, start_time=None, random_time_today=False, minutes=60, now=None, rng=None):
    from aidface.checks.launching import launch_routine_check

    return launch_routine_check(
        user=user,
        day=day,
        start_time=start_time,
        random_time_today=random_time_today,
        duration_minutes=minutes,
        now=now or local(2026, 2, 20, 9),
        rng=rng,
    )


def error_code(call):
    from aidface.checks.errors import CheckError

    with pytest.raises(CheckError) as caught:
        call()
    assert caught.value.message
    return caught.value.code


def test_routine_first_day_of_window_accepted(tree):
    check = launch(tree.users["county"], day=date(2026, 3, 1), start_time=time(0, 0))
    assert check.starts_at == local(2026, 3, 1)
    assert check.ends_at == local(2026, 3, 1, 1)
    assert (check.year, check.month) == (2026, 3)
    assert check.kind == "routine"
    assert check.semester.year == 2026
    assert check.semester.term == "spring"


def test_routine_day_before_window_rejected(tree):
    code = error_code(lambda: launch(tree.users["county"], day=date(2026, 2, 28), start_time=time(23, 30), minutes=20))
    assert code == "outside_window"


def test_routine_ending_exactly_at_window_end_accepted(tree):
    check = launch(tree.users["county"], day=date(2026, 5, 31), start_time=time(19, 0), minutes=300)
    assert check.ends_at == local(2026, 6, 1)


def test_routine_ending_past_window_rejected(tree):
    code = error_code(lambda: launch(tree.users["county"], day=date(2026, 5, 31), start_time=time(19, 1), minutes=300))
    assert code == "outside_window"


def test_routine_autumn_window_edges(tree):
    now = local(2026, 9, 1, 9)
    first = launch(tree.users["county"], day=date(2026, 10, 1), start_time=time(8, 0), now=now)
    assert first.semester.term == "autumn"
    last_ok = launch(tree.users["county"], day=date(2026, 12, 15), start_time=time(19, 0), minutes=300, now=now)
    assert last_ok.ends_at == local(2026, 12, 16)
    assert error_code(lambda: launch(tree.users["county"], day=date(2026, 12, 16), start_time=time(8, 0), now=now)) == "outside_window"
    assert error_code(lambda: launch(tree.users["county"], day=date(2026, 9, 30), start_time=time(8, 0), now=now)) == "outside_window"


def test_routine_five_hour_limit(tree):
    check = launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0), minutes=300)
    assert check.ends_at - check.starts_at == timedelta(hours=5)
    assert error_code(lambda: launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0), minutes=301)) == "too_long"
    assert error_code(lambda: launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0), minutes=0)) == "invalid_duration"


def test_routine_limit_follows_office_policy(tree):
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=tree.gongyi, key="routine_check_max_minutes", value=120)
    code = error_code(lambda: launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0), minutes=121))
    assert code == "too_long"
    assert launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0), minutes=120).pk


def test_routine_spanning_month_end_belongs_to_start_month(tree):
    check = launch(tree.users["county"], day=date(2026, 3, 31), start_time=time(22, 0), minutes=180)
    assert check.ends_at == local(2026, 4, 1, 1, 0)
    assert (check.year, check.month) == (2026, 3)


def test_routine_start_in_past_rejected(tree):
    now = local(2026, 3, 17, 10, 0)
    assert error_code(lambda: launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(9, 50), now=now)) == "start_in_past"
    # A start a minute ago is within the grace and opens at once.
    check = launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(9, 59), now=now)
    assert check.starts_at == local(2026, 3, 17, 9, 59)


def test_routine_missing_start_rejected(tree):
    assert error_code(lambda: launch(tree.users["county"], day=date(2026, 3, 17))) == "missing_start"


@pytest.mark.parametrize("seed", range(40))
def test_random_time_today_stays_inside_today(tree, seed):
    now = local(2026, 3, 17, 10, 0, 30)
    check = launch(tree.users["county"], random_time_today=True, minutes=300, now=now, rng=random.Random(seed))
    assert check.random_start
    assert check.starts_at >= now
    assert check.ends_at <= local(2026, 3, 18)
    assert check.starts_at.astimezone(local(2026, 1, 1).tzinfo).date() == date(2026, 3, 17)
    assert check.starts_at.second == 0


def test_random_time_today_spreads_over_day(tree):
    now = local(2026, 3, 17, 8, 0)
    starts = {
        launch(tree.users["county"], random_time_today=True, minutes=60, now=now, rng=random.Random(seed)).starts_at
        for seed in range(20)
    }
    assert len(starts) > 10
    assert max(starts) <= local(2026, 3, 17, 23, 0)


def test_random_time_today_latest_start_possible(tree):
    now = local(2026, 3, 17, 18, 59, 59)
    # Only 19:00 is left for a five-hour check ending by midnight.
    check = launch(tree.users["county"], random_time_today=True, minutes=300, now=now, rng=random.Random(3))
    assert check.starts_at == local(2026, 3, 17, 19, 0)
    assert check.ends_at == local(2026, 3, 18)


def test_random_time_today_no_time_left(tree):
    now = local(2026, 3, 17, 19, 0, 1)
    code = error_code(lambda: launch(tree.users["county"], random_time_today=True, minutes=300, now=now, rng=random.Random(1)))
    assert code == "no_time_left_today"


def test_random_time_today_on_last_window_day(tree):
    now = local(2026, 12, 15, 12, 0)
    for seed in range(10):
        check = launch(tree.users["county"], random_time_today=True, minutes=180, now=now, rng=random.Random(seed))
        assert check.ends_at <= local(2026, 12, 16)
        assert check.starts_at >= now


def test_random_time_today_outside_window(tree):
    now = local(2026, 6, 2, 9)
    code = error_code(lambda: launch(tree.users["county"], random_time_today=True, minutes=60, now=now, rng=random.Random(1)))
    assert code == "outside_window"


def test_routine_covers_direct_schools_with_approved_campus(tree):
    check = launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0))
    # county_school_2 is a direct school too but has no approved campus.
    assert list(check.schools.values_list("pk", flat=True)) == [tree.county_school.pk]


def test_routine_of_city_leaves_out_county_schools(tree):
    approved_campus(tree.city_school)
    check = launch(tree.users["city"], day=date(2026, 3, 17), start_time=time(8, 0))
    assert list(check.schools.values_list("pk", flat=True)) == [tree.city_school.pk]
    assert check.office == tree.zhengzhou


def test_routine_without_usable_school_rejected(tree):
    from aidface.checks.models import Check

    # The province's only direct school has no campus.
    assert error_code(lambda: launch(tree.users["province"], day=date(2026, 3, 17), start_time=time(8, 0))) == "no_schools"
    assert not Check.objects.exists()


@pytest.mark.parametrize("role", ["operator", "principal", "terminal", "student"])
def test_routine_launch_by_non_office_rejected(tree, role):
    code = error_code(lambda: launch(tree.users[role], day=date(2026, 3, 17), start_time=time(8, 0)))
    assert code == "not_office_staff"


def test_routine_launch_writes_audit_entry(tree):
    from aidface.audit.models import AuditEntry

    check = launch(tree.users["county"], day=date(2026, 3, 17), start_time=time(8, 0))
    entry = AuditEntry.objects.get(action="check.launch_routine")
    assert entry.target_id == str(check.pk)
    assert entry.user == tree.users["county"]
    assert entry.detail["school_ids"] == [tree.county_school.pk]
    assert entry.detail["random_start"] is False


def test_rejected_launch_writes_nothing(tree):
    from aidface.audit.models import AuditEntry
    from aidface.checks.models import Check, CheckSchool

    error_code(lambda: launch(tree.users["county"], day=date(2026, 6, 1), start_time=time(8, 0)))
    assert not Check.objects.exists()
    assert not CheckSchool.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="check.").exists()
