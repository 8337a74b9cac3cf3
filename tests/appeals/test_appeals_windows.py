"""Filing windows of monthly and semester appeals, at each boundary (Art. 14, Art. 15)."""
import pytest

from appeals_support import at, draft, file_appeal, month_result


def results_for(world, target_key: str) -> None:
    """Store the results a target needs: one absent student (every routine month for a semester)."""
    kind, _, value = target_key.partition(":")
    year = int(value[:4])
    if kind == "month":
        month_result(world.absent, year, int(value[5:]), "absent")
    else:
        months = (3, 4, 5) if value.endswith("spring") else (10, 11, 12)
        for month in months:
            month_result(world.absent, year, month, "absent")


OPEN = [
    ("month:2026-11", at(2026, 12, 1)),
    ("month:2026-11", at(2026, 12, 10, 23, 59, 59)),
    ("month:2026-12", at(2026, 12, 16)),
    ("month:2026-12", at(2026, 12, 20, 23, 59, 59)),
    ("month:2028-02", at(2028, 3, 1)),
    ("month:2028-02", at(2028, 3, 10, 23, 59, 59)),
    ("month:2026-01", at(2026, 2, 1)),
    ("semester:2026-spring", at(2026, 6, 11)),
    ("semester:2026-spring", at(2026, 6, 20, 23, 59, 59)),
    ("semester:2026-autumn", at(2026, 12, 21)),
    ("semester:2026-autumn", at(2026, 12, 31, 23, 59, 59)),
]

CLOSED = [
    # The first moment after each window.
    ("month:2026-11", at(2026, 12, 11), "outside_window", "2026年12月1日至2026年12月10日"),
    ("month:2026-12", at(2026, 12, 21), "outside_window", "2026年12月16日至2026年12月20日"),
    ("month:2028-02", at(2028, 3, 11), "outside_window", "2028年3月1日至2028年3月10日"),
    ("semester:2026-spring", at(2026, 6, 21), "outside_window", "2026年6月11日至2026年6月20日"),
    ("semester:2026-autumn", at(2027, 1, 1), "outside_window", "2026年12月21日至2026年12月31日"),
    # The last moment before each window: a month is still unlocked then, a semester window not yet open.
    ("month:2026-11", at(2026, 11, 30, 23, 59, 59), "month_unlocked", "2026年11月的抽查结果尚未锁定"),
    ("month:2026-12", at(2026, 12, 15, 23, 59, 59), "month_unlocked", "2026年12月的抽查结果尚未锁定"),
    ("month:2028-02", at(2028, 2, 29, 23, 59, 59), "month_unlocked", "2028年2月的抽查结果尚未锁定"),
    ("semester:2026-spring", at(2026, 6, 10, 23, 59, 59), "outside_window", "2026年6月11日至2026年6月20日"),
    ("semester:2026-autumn", at(2026, 12, 20, 23, 59, 59), "outside_window", "2026年12月21日至2026年12月31日"),
]


@pytest.mark.parametrize(("target_key", "now"), OPEN)
def test_draft_inside_window(world, target_key, now):
    from aidface.appeals.models import AppealState

    results_for(world, target_key)

    appeal = file_appeal(world, target_key, [world.absent], now=now)

    assert appeal.state == AppealState.FILED
    assert appeal.window_first_day <= now.date() <= appeal.window_last_day


@pytest.mark.parametrize(("target_key", "now", "code", "text"), CLOSED)
def test_draft_outside_window_refused(world, target_key, now, code, text):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.models import Appeal

    results_for(world, target_key)

    with pytest.raises(AppealError) as raised:
        draft(world, target_key, [world.absent], now=now)

    assert raised.value.code == code
    assert text in raised.value.message
    assert not Appeal.objects.exists()


def test_unlocked_month_refused(world):
    from aidface.appeals.errors import AppealError

    month_result(world.absent, 2026, 3, "absent")

    with pytest.raises(AppealError) as raised:
        draft(world, "month:2026-03", [world.absent], now=at(2026, 3, 20, 10))

    assert raised.value.code == "month_unlocked"
    assert "尚未锁定" in raised.value.message


def test_signature_after_window_refused(world):
    from aidface.appeals.errors import AppealError
    from aidface.appeals.models import AppealState
    from aidface.appeals.services import sign_appeal

    month_result(world.absent, 2026, 11, "absent")
    appeal = draft(world, "month:2026-11", [world.absent], now=at(2026, 12, 10, 16))

    with pytest.raises(AppealError) as raised:
        sign_appeal(user=world.principal, appeal=appeal, now=at(2026, 12, 11, 8))

    assert raised.value.code == "outside_window"
    appeal.refresh_from_db()
    assert appeal.state == AppealState.AWAITING_SIGNATURE


def test_leap_year_february_expiry(world):
    month_result(world.absent, 2028, 2, "absent")

    appeal = file_appeal(world, "month:2028-02", [world.absent], now=at(2028, 3, 1, 9))

    assert appeal.expires_at == at(2028, 4, 1)


@pytest.mark.parametrize(
    ("now", "keys"),
    [
        (at(2026, 12, 5, 10), ["month:2026-11"]),
        (at(2026, 12, 12, 10), []),
        (at(2026, 12, 18, 10), ["month:2026-12"]),
        (at(2026, 12, 25, 10), ["semester:2026-autumn"]),
        (at(2026, 6, 15, 10), ["semester:2026-spring"]),
        (at(2026, 6, 5, 10), ["month:2026-05"]),
        (at(2027, 1, 3, 10), []),
        (at(2028, 3, 2, 10), ["month:2028-02"]),
    ],
)
def test_open_targets(world, now, keys):
    from aidface.appeals.windows import open_targets

    found = [target.key for target in open_targets(world.tree.county_school, now)]

    assert found == keys


def test_window_follows_province_policy(world):
    from aidface.appeals.errors import AppealError
    from aidface.policy.services import set_override

    set_override(user=world.tree.users["province"], office=world.tree.province, key="monthly_appeal_last_day", value=5)
    month_result(world.absent, 2026, 11, "absent")

    with pytest.raises(AppealError) as raised:
        draft(world, "month:2026-11", [world.absent], now=at(2026, 12, 6))
    appeal = file_appeal(world, "month:2026-11", [world.absent], now=at(2026, 12, 5, 23, 59, 59))

    assert raised.value.code == "outside_window"
    assert "2026年12月1日至2026年12月5日" in raised.value.message
    assert appeal.window_last_day.day == 5
