"""A county office launches a routine check in the browser; the school sees it only once it starts."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

import checks_support

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
LAUNCH_DAY = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
AFTER_START = datetime(2026, 3, 17, 9, 5, tzinfo=SHANGHAI)


def test_routine_check_launch_and_school_notice(live_server, org_tree, new_page, log_in):
    from aidface.checks.models import Check

    checks_support.approve_campus(org_tree.campus)

    with time_machine.travel(LAUNCH_DAY, tick=True):
        office = new_page(camera=False)
        log_in(office, "county_staff", org_tree.password)
        office.get_by_role("navigation", name="主导航").get_by_role("link", name="抽查", exact=True).click()
        office.get_by_role("link", name="发起例行抽查").click()
        office.get_by_label("抽查日期").fill("2026-03-17")
        office.get_by_label("开始时刻").fill("09:00")
        office.get_by_label("持续时间（分钟）").fill("120")
        office.get_by_role("button", name="发起例行抽查").click()
        office.wait_for_load_state()
        assert "例行抽查已发起" in office.content()
        assert office.locator("#check-state").inner_text() == "未开始"
        detail_url = office.url

        school = new_page(camera=False)
        log_in(school, "county_operator", org_tree.password)
        assert "今日抽查进行中" not in school.content()
        assert school.goto(detail_url).status == 404

    check = Check.objects.get()
    assert detail_url == live_server.url + reverse("checks:detail", args=[check.pk])

    with time_machine.travel(AFTER_START, tick=True):
        # A week later the session of the launch day has expired (sessions last 8 hours).
        log_in(school, "county_operator", org_tree.password)
        notice = school.locator(".open-check-notice")
        assert "今日抽查进行中" in notice.inner_text()
        notice.get_by_role("link", name="查看进度").click()
        school.wait_for_load_state()
        assert school.url == detail_url
        assert school.locator("#check-state").inner_text().startswith("进行中")
        assert org_tree.county_school.name in school.locator("table.progress").inner_text()
