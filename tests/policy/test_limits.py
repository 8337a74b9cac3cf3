"""Override limits and the consistency of a whole policy, without the database."""
import dataclasses

import pytest

from aidface.policy.limits import SETTINGS, PolicyValueError, check_policy, check_value, parse_value, serialise_value
from aidface.policy.values import PROVINCE_DEFAULTS, DayWindow, MonthDay


def test_every_policy_field_has_setting():
    fields = {field.name for field in dataclasses.fields(PROVINCE_DEFAULTS)}
    assert fields == set(SETTINGS)


def test_defaults_consistent():
    check_policy(PROVINCE_DEFAULTS)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("spring_enrolment_deadline", MonthDay(4, 20)),
        ("autumn_enrolment_deadline", MonthDay(11, 20)),
        ("spring_routine_window", DayWindow(MonthDay(3, 1), MonthDay(5, 31))),
        ("autumn_routine_window", DayWindow(MonthDay(10, 1), MonthDay(12, 15))),
        ("min_routine_months", 2),
        ("routine_check_max_minutes", 300),
        ("targeted_check_max_minutes", 180),
        ("december_lock_day", 15),
        ("monthly_appeal_last_day", 10),
        ("december_appeal_window", DayWindow(MonthDay(12, 16), MonthDay(12, 20))),
        ("spring_semester_appeal_window", DayWindow(MonthDay(6, 11), MonthDay(6, 20))),
        ("autumn_semester_appeal_window", DayWindow(MonthDay(12, 21), MonthDay(12, 31))),
        ("geofence_radius_m", 1500),
        ("location_accuracy_limit_m", 200),
        ("geofence_adds_accuracy", True),
        ("phone_attempts_per_check", 3),
        ("month_takes_best_routine_result", True),
        ("targeted_overrides_routine", True),
        ("forced_pass_counts_as_passing", True),
        ("internship_month_counts_as_passing", True),
        ("internship_whole_period_eligible", True),
        ("undecided_appeal_expires_at_month_end", True),
        ("late_enrolment_allowed", True),
        ("late_students_skip_routine_checks", True),
    ],
)
def test_province_default(key, expected):
    assert getattr(PROVINCE_DEFAULTS, key) == expected


def test_month_day_february_29_rejected():
    with pytest.raises(ValueError):
        MonthDay(2, 29)


def test_month_day_parse():
    assert MonthDay.parse(" 04-20 ") == MonthDay(4, 20)


def test_window_backwards_rejected():
    with pytest.raises(ValueError):
        DayWindow.parse("05-31..03-01")


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("spring_enrolment_deadline", "04-10", MonthDay(4, 10)),
        ("spring_routine_window", "03-15..05-15", DayWindow(MonthDay(3, 15), MonthDay(5, 15))),
        ("geofence_radius_m", "1200", 1200),
        ("geofence_radius_m", 1200, 1200),
        ("geofence_adds_accuracy", "是", True),
        ("geofence_adds_accuracy", False, False),
    ],
)
def test_parse_value(key, raw, expected):
    assert parse_value(key, raw) == expected


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("spring_enrolment_deadline", "4月20日"),
        ("spring_enrolment_deadline", "02-30"),
        ("spring_routine_window", "03-01"),
        ("geofence_radius_m", "一千米"),
        ("geofence_radius_m", True),
        ("geofence_adds_accuracy", "也许"),
        ("no_such_key", "1"),
    ],
)
def test_parse_value_rejects(key, raw):
    with pytest.raises(PolicyValueError):
        parse_value(key, raw)


def test_parse_error_message_chinese():
    with pytest.raises(PolicyValueError) as raised:
        parse_value("spring_enrolment_deadline", "4月20日")
    assert "例如 04-20" in raised.value.message


def test_serialise_round_trip():
    for key in SETTINGS:
        value = getattr(PROVINCE_DEFAULTS, key)
        assert parse_value(key, serialise_value(value)) == value, key


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("spring_enrolment_deadline", MonthDay(4, 10)),
        ("autumn_routine_window", DayWindow(MonthDay(10, 8), MonthDay(12, 10))),
        ("min_routine_months", 3),
        ("routine_check_max_minutes", 240),
        ("targeted_check_max_minutes", 120),
        ("geofence_radius_m", 1000),
        ("location_accuracy_limit_m", 100),
        ("phone_attempts_per_check", 2),
        ("geofence_adds_accuracy", True),
    ],
)
def test_city_may_tighten(key, value):
    check_value(key, value, parent=PROVINCE_DEFAULTS, is_province=False)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("spring_enrolment_deadline", MonthDay(4, 30), "只能提前"),
        ("spring_routine_window", DayWindow(MonthDay(2, 20), MonthDay(5, 31)), "只能缩短"),
        ("autumn_routine_window", DayWindow(MonthDay(10, 1), MonthDay(12, 20)), "只能缩短"),
        ("min_routine_months", 1, "不能少于"),
        ("routine_check_max_minutes", 301, "不能超过"),
        ("targeted_check_max_minutes", 240, "不能超过"),
        ("geofence_radius_m", 2000, "不能超过"),
        ("location_accuracy_limit_m", 500, "不能超过"),
        ("phone_attempts_per_check", 5, "不能超过"),
        ("geofence_adds_accuracy", False, "不能关闭"),
        ("december_lock_day", 20, "省级"),
        ("december_appeal_window", DayWindow(MonthDay(12, 16), MonthDay(12, 18)), "省级"),
        ("forced_pass_counts_as_passing", False, "省级"),
    ],
)
def test_city_may_not_loosen(key, value, words):
    with pytest.raises(PolicyValueError) as raised:
        check_value(key, value, parent=PROVINCE_DEFAULTS, is_province=False)
    assert words in raised.value.message


def test_province_bound_by_regulation_maximum():
    with pytest.raises(PolicyValueError):
        check_value("routine_check_max_minutes", 360, parent=PROVINCE_DEFAULTS, is_province=True)


def test_province_may_change_switch():
    check_value("forced_pass_counts_as_passing", False, parent=PROVINCE_DEFAULTS, is_province=True)


def test_radius_minimum():
    with pytest.raises(PolicyValueError) as raised:
        check_value("geofence_radius_m", 50, parent=PROVINCE_DEFAULTS, is_province=False)
    assert "不能小于 100米" in raised.value.message


def test_switch_may_enable_below_disabled_parent():
    parent = PROVINCE_DEFAULTS.replace(geofence_adds_accuracy=False)
    check_value("geofence_adds_accuracy", True, parent=parent, is_province=False)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"spring_routine_window": DayWindow(MonthDay(3, 1), MonthDay(3, 31))}, "min_routine_months"),
        ({"autumn_enrolment_deadline": MonthDay(1, 10)}, "autumn_enrolment_deadline"),
        ({"spring_semester_appeal_window": DayWindow(MonthDay(7, 1), MonthDay(7, 10))}, "spring_semester_appeal_window"),
        ({"december_lock_day": 10}, "autumn_routine_window"),
        ({"december_lock_day": 18}, "december_appeal_window"),
        (
            {"december_appeal_window": DayWindow(MonthDay(12, 16), MonthDay(12, 22))},
            "autumn_semester_appeal_window",
        ),
    ],
)
def test_inconsistent_policy_rejected(changes, key):
    with pytest.raises(PolicyValueError) as raised:
        check_policy(PROVINCE_DEFAULTS.replace(**changes))
    assert raised.value.key == key
