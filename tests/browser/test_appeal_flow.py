"""A monthly appeal through the pages: the operator files, the principal signs, the office approves."""
import time_machine

from appeals_support import at, month_result, pdf_bytes
from enrolment_support import make_student

# Inside November 2026's filing window (2026-12-01..12-10).
IN_WINDOW = at(2026, 12, 3, 10)


def test_appeal_filed_signed_and_approved(live_server, org_tree, new_page, log_in, tmp_path):
    from aidface.checks.models import MonthResult

    student = make_student(org_tree.county_school, name="王小明", sequence="201")
    month_result(student, 2026, 11, "absent")
    document = tmp_path / "申诉函.pdf"
    document.write_bytes(pdf_bytes())

    with time_machine.travel(IN_WINDOW, tick=True):
        operator = new_page(camera=False)
        log_in(operator, "county_operator", org_tree.password)
        operator.get_by_role("navigation", name="主导航").get_by_role("link", name="抽查结果申诉").click()
        operator.get_by_role("link", name="提交2026年11月月度申诉").click()
        operator.get_by_label("申诉 王小明").check()
        operator.get_by_label("王小明的缺位原因").fill("11月因病住院，附医院证明")
        operator.get_by_label("正式行文").set_input_files(str(document))
        operator.get_by_role("button", name="提交校长签署").click()
        operator.wait_for_load_state()
        assert "请校长登录系统签署" in operator.locator(".messages").inner_text()
        assert operator.locator("#appeal-state").inner_text() == "待校长签署"
        detail_url = operator.url

        principal = new_page(camera=False)
        log_in(principal, "county_principal", org_tree.password)
        principal.goto(detail_url)
        principal.get_by_role("button", name="校长签署并提交").click()
        principal.wait_for_load_state()
        assert principal.locator("#appeal-state").inner_text() == "待审核"

        office = new_page(camera=False)
        log_in(office, "county_staff", org_tree.password)
        office.get_by_role("navigation", name="主导航").get_by_role("link", name="抽查结果申诉").click()
        assert "待本部门审核" in office.locator("#appeal-list").inner_text()
        office.locator("#appeal-list").get_by_role("link", name="查看").click()
        row = office.locator("#appeal-items tbody tr", has_text="王小明")
        row.get_by_role("button", name="通过", exact=True).click()
        office.wait_for_load_state()

        assert row.locator(".current-result").inner_text() == "11月：改为正常"
        assert row.locator(".item-decision strong").inner_text() == "通过"
        assert office.locator("#appeal-state").inner_text() == "已审核"
        assert "通过：王小明" in office.locator("#appeal-timeline").inner_text()

        operator.reload()
        assert operator.locator("#appeal-items .current-result").inner_text() == "11月：改为正常"

    assert MonthResult.objects.get(student=student, year=2026, month=11).state == "appeal_normal"
