"""Semester calendar dates under the province's defaults and under changed policies."""
from datetime import UTC, date, datetime, timedelta

import pytest

from aidface.policy.calendar import (
    SHANGHAI,
    LocalWindow,
    Term,
    month_calendar,
    month_locks_at,
    monthly_appeal_window,
    semester_calendar,
    semester_of_day,
    semester_of_moment,
)
from aidface.policy.values import PROVINCE_DEFAULTS, DayWindow, MonthDay


def shanghai(year, month, day, hour=0, minute=0, second=0, microsecond=0):
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=SHANGHAI)


def test_spring_enrolment_deadline_day():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert calendar.enrolment_deadline == date(2026, 4, 20)


def test_spring_enrolment_last_moment_on_time():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert not calendar.is_late_enrolment(shanghai(2026, 4, 20, 23, 59, 59, 999999))


def test_spring_enrolment_next_day_late():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert calendar.is_late_enrolment(shanghai(2026, 4, 21))


def test_autumn_enrolment_boundary():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.enrolment_closes_at == shanghai(2026, 11, 21)


def test_enrolment_boundary_in_utc():
    # 2026-11-20 16:00 UTC is 2026-11-21 00:00 in Shanghai, so the enrolment is late.
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.is_late_enrolment(datetime(2026, 11, 20, 16, 0, tzinfo=UTC))


def test_enrolment_before_boundary_in_utc():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert not calendar.is_late_enrolment(datetime(2026, 11, 20, 15, 59, 59, tzinfo=UTC))


def test_spring_routine_window():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert calendar.routine_window == LocalWindow(date(2026, 3, 1), date(2026, 5, 31))


def test_autumn_routine_window():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.routine_window == LocalWindow(date(2026, 10, 1), date(2026, 12, 15))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (shanghai(2026, 2, 28, 23, 59, 59), False),
        (shanghai(2026, 3, 1), True),
        (shanghai(2026, 5, 31, 23, 59, 59), True),
        (shanghai(2026, 6, 1), False),
    ],
)
def test_spring_routine_window_edges(moment, inside):
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert calendar.routine_window.contains(moment) is inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (shanghai(2026, 9, 30, 23, 59, 59), False),
        (shanghai(2026, 10, 1), True),
        (shanghai(2026, 12, 15, 23, 59, 59), True),
        (shanghai(2026, 12, 16), False),
    ],
)
def test_autumn_routine_window_edges(moment, inside):
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.routine_window.contains(moment) is inside


def test_semester_months_spring():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert [month.month for month in calendar.months] == [3, 4, 5]


def test_semester_months_autumn():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert [month.month for month in calendar.months] == [10, 11, 12]


@pytest.mark.parametrize(
    ("month", "locks_at"),
    [
        (1, shanghai(2026, 2, 1)),
        (2, shanghai(2026, 3, 1)),
        (3, shanghai(2026, 4, 1)),
        (4, shanghai(2026, 5, 1)),
        (5, shanghai(2026, 6, 1)),
        (6, shanghai(2026, 7, 1)),
        (9, shanghai(2026, 10, 1)),
        (10, shanghai(2026, 11, 1)),
        (11, shanghai(2026, 12, 1)),
        (12, shanghai(2026, 12, 16)),
    ],
)
def test_month_lock_moments(month, locks_at):
    assert month_locks_at(PROVINCE_DEFAULTS, 2026, month) == locks_at


def test_last_moment_of_month_unlocked():
    month = month_calendar(PROVINCE_DEFAULTS, 2026, 4)
    assert not month.is_locked(shanghai(2026, 4, 30, 23, 59, 59, 999999))


def test_first_moment_of_next_month_locked():
    month = month_calendar(PROVINCE_DEFAULTS, 2026, 4)
    assert month.is_locked(shanghai(2026, 5, 1))


def test_december_15th_unlocked():
    month = month_calendar(PROVINCE_DEFAULTS, 2026, 12)
    assert not month.is_locked(shanghai(2026, 12, 15, 23, 59, 59))


def test_december_16th_locked():
    month = month_calendar(PROVINCE_DEFAULTS, 2026, 12)
    assert month.is_locked(shanghai(2026, 12, 16))


def test_february_leap_year_lock():
    assert month_locks_at(PROVINCE_DEFAULTS, 2028, 2) == shanghai(2028, 3, 1)


def test_february_29th_unlocked():
    month = month_calendar(PROVINCE_DEFAULTS, 2028, 2)
    assert not month.is_locked(shanghai(2028, 2, 29, 23, 59, 59))


def test_february_common_year_lock():
    assert month_locks_at(PROVINCE_DEFAULTS, 2027, 2) == shanghai(2027, 3, 1)


def test_lock_boundary_in_utc():
    # 2026-04-30 16:00 UTC is the first moment of May in Shanghai.
    month = month_calendar(PROVINCE_DEFAULTS, 2026, 4)
    assert month.is_locked(datetime(2026, 4, 30, 16, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("month", "first_day", "last_day"),
    [
        (1, date(2028, 2, 1), date(2028, 2, 10)),
        (2, date(2028, 3, 1), date(2028, 3, 10)),
        (3, date(2028, 4, 1), date(2028, 4, 10)),
        (5, date(2028, 6, 1), date(2028, 6, 10)),
        (10, date(2028, 11, 1), date(2028, 11, 10)),
        (11, date(2028, 12, 1), date(2028, 12, 10)),
        (12, date(2028, 12, 16), date(2028, 12, 20)),
    ],
)
def test_monthly_appeal_windows(month, first_day, last_day):
    assert monthly_appeal_window(PROVINCE_DEFAULTS, 2028, month) == LocalWindow(first_day, last_day)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (shanghai(2026, 4, 30, 23, 59, 59), False),
        (shanghai(2026, 5, 1), True),
        (shanghai(2026, 5, 10, 23, 59, 59), True),
        (shanghai(2026, 5, 11), False),
    ],
)
def test_april_appeal_window_edges(moment, inside):
    assert monthly_appeal_window(PROVINCE_DEFAULTS, 2026, 4).contains(moment) is inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (shanghai(2026, 12, 15, 23, 59, 59), False),
        (shanghai(2026, 12, 16), True),
        (shanghai(2026, 12, 20, 23, 59, 59), True),
        (shanghai(2026, 12, 21), False),
    ],
)
def test_december_appeal_window_edges(moment, inside):
    assert monthly_appeal_window(PROVINCE_DEFAULTS, 2026, 12).contains(moment) is inside


def test_appeal_window_opens_at_lock():
    for month in range(1, 13):
        month_dates = month_calendar(PROVINCE_DEFAULTS, 2026, month)
        assert month_dates.appeal_window.starts_at == month_dates.locks_at, month


def test_appeal_expires_at_end_of_window_month():
    assert month_calendar(PROVINCE_DEFAULTS, 2026, 4).appeal_expires_at == shanghai(2026, 6, 1)


def test_november_appeal_expires_at_year_end():
    assert month_calendar(PROVINCE_DEFAULTS, 2026, 11).appeal_expires_at == shanghai(2027, 1, 1)


def test_december_appeal_expires_at_year_end():
    assert month_calendar(PROVINCE_DEFAULTS, 2026, 12).appeal_expires_at == shanghai(2027, 1, 1)


def test_appeal_expiry_switch_off():
    policy = PROVINCE_DEFAULTS.replace(undecided_appeal_expires_at_month_end=False)
    assert month_calendar(policy, 2026, 4).appeal_expires_at == shanghai(2026, 5, 11)


def test_spring_semester_appeal_window():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert calendar.semester_appeal_window == LocalWindow(date(2026, 6, 11), date(2026, 6, 20))


def test_autumn_semester_appeal_window():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.semester_appeal_window == LocalWindow(date(2026, 12, 21), date(2026, 12, 31))


def test_spring_semester_appeal_expiry():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    assert calendar.semester_appeal_expires_at == shanghai(2026, 7, 1)


def test_autumn_semester_appeal_expiry():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.semester_appeal_expires_at == shanghai(2027, 1, 1)


def test_autumn_semester_appeal_last_moment():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.semester_appeal_window.contains(shanghai(2026, 12, 31, 23, 59, 59))


def test_spring_period():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2028, Term.SPRING)
    assert calendar.period == LocalWindow(date(2028, 1, 1), date(2028, 6, 30))


def test_autumn_period_ends_at_new_year():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert calendar.ends_at == shanghai(2027, 1, 1)


def test_semesters_adjoin():
    spring = semester_calendar(PROVINCE_DEFAULTS, 2027, Term.SPRING)
    autumn = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.AUTUMN)
    assert autumn.ends_at == spring.starts_at


def test_leap_day_in_spring():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2028, Term.SPRING)
    assert calendar.period.includes_day(date(2028, 2, 29))


@pytest.mark.parametrize(
    ("day", "semester"),
    [
        (date(2026, 1, 1), (2026, Term.SPRING)),
        (date(2028, 2, 29), (2028, Term.SPRING)),
        (date(2026, 6, 30), (2026, Term.SPRING)),
        (date(2026, 7, 1), (2026, Term.AUTUMN)),
        (date(2026, 12, 31), (2026, Term.AUTUMN)),
    ],
)
def test_semester_of_day(day, semester):
    assert semester_of_day(day) == semester


def test_semester_of_moment_uses_shanghai():
    # 2026-06-30 16:00 UTC is 2026-07-01 00:00 in Shanghai.
    assert semester_of_moment(datetime(2026, 6, 30, 16, 0, tzinfo=UTC)) == (2026, Term.AUTUMN)


def test_semester_of_naive_moment_raises():
    with pytest.raises(ValueError):
        semester_of_moment(datetime(2026, 6, 30, 16, 0))


def test_changed_policy_moves_dates():
    policy = PROVINCE_DEFAULTS.replace(
        spring_enrolment_deadline=MonthDay(4, 10),
        spring_routine_window=DayWindow(MonthDay(3, 15), MonthDay(4, 30)),
    )
    calendar = semester_calendar(policy, 2026, Term.SPRING)
    assert calendar.enrolment_deadline == date(2026, 4, 10)
    assert calendar.routine_window == LocalWindow(date(2026, 3, 15), date(2026, 4, 30))
    assert [month.month for month in calendar.months] == [3, 4]


def test_window_end_is_next_day_start():
    window = LocalWindow(date(2026, 3, 1), date(2026, 5, 31))
    assert window.ends_at - window.starts_at == timedelta(days=92)


def test_month_outside_semester_raises():
    calendar = semester_calendar(PROVINCE_DEFAULTS, 2026, Term.SPRING)
    with pytest.raises(KeyError):
        calendar.month(7)
