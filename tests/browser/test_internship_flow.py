"""An internship from the school's form to the terminal confirmation in Chromium, then the next routine check.

The operator registers and files the internship through the pages. The student confirms
departure at the terminal kiosk, with the fake camera playing a real person turning the
head. A routine check starting on the first internship day then leaves the student out
when `ensure_participants` draws its participants. Dates follow the real clock, because
the live server computes today's state from it.
"""
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from test_enrolment_terminal import make_turn_clip

import checks_support
import enrolment_faces
from enrolment_support import make_student

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESULT_TIMEOUT_MS = 90_000


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def turn_clip(person, tmp_path):
    return make_turn_clip(person, tmp_path)


@pytest.fixture
def students(org_tree, person):
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    checks_support.approve_campus(org_tree.campus)
    intern = make_student(org_tree.county_school, name="赵小兵", birth="20060512", sequence="211")
    classmate = make_student(org_tree.county_school, name="钱晓梅", birth="20060824", sequence="222")
    checks_support.enrol_from_photos(intern, [person.chip_source, person.frontal, person.right])
    checks_support.enrol_from_photos(classmate, [person.chip_source, person.frontal, person.right])
    return intern, classmate


def routine_check_on(day, *, org_tree):
    """A routine check of the county office starting at 09:00 on `day`, with no participants drawn yet."""
    from aidface.checks.models import Check, CheckKind, CheckSchool, SampleMethod
    from aidface.roster.services import semester_at

    starts_at = datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)
    check = Check.objects.create(
        kind=CheckKind.ROUTINE,
        office=org_tree.gongyi,
        semester=semester_at(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=5),
        year=day.year,
        month=day.month,
        sample_method=SampleMethod.ALL,
        launched_by=org_tree.users["county"],
        launched_at=starts_at - timedelta(days=1),
    )
    CheckSchool.objects.create(check_record=check, school=org_tree.county_school)
    return check


def test_internship_filed_confirmed_and_left_out(live_server, org_tree, students, turn_clip, launch_browser, new_page, log_in):
    from aidface.checks.participants import ensure_participants
    from aidface.internships.models import InternshipRecord

    intern, classmate = students
    today = datetime.now(SHANGHAI).date()
    start, end = today + timedelta(days=2), today + timedelta(days=40)

    # The school operator registers the internship and files it with the county office.
    page = new_page()
    log_in(page, "county_operator", org_tree.password)
    page.goto(f"{live_server.url}/internships/new/")
    page.get_by_label("实习人姓名").fill(intern.name)
    page.get_by_label("身份证号").fill(intern.id_number)
    page.get_by_label("年级").fill("2024级")
    page.get_by_label("班级").fill("数控2班")
    page.get_by_label("实习单位").fill("郑州宇通客车股份有限公司")
    page.get_by_label("实习地点", exact=True).fill("河南省郑州市管城回族区宇通路 6 号")
    page.get_by_label("负责人", exact=True).fill("王建国")
    page.get_by_label("负责人联系方式").fill("0371-65432100")
    page.get_by_label("实习开始日期").fill(start.isoformat())
    page.get_by_label("实习结束日期").fill(end.isoformat())
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已登记岗位实习信息（草稿）").wait_for()
    page.get_by_role("button", name=re.compile("^提交.*备案$")).click()
    page.get_by_text("已提交巩义市学生资助管理中心备案。").wait_for()
    assert page.locator("#state").inner_text() == "已备案（未开始）"
    assert "未确认" in page.locator("#confirmation").inner_text()

    # The student confirms departure at the terminal with a live face.
    kiosk = new_page(on=launch_browser(camera_clip=turn_clip))
    log_in(kiosk, "county_terminal", org_tree.password)
    kiosk.goto(f"{live_server.url}/internships/terminal/")
    kiosk.get_by_label("身份证号").fill(intern.id_number)
    kiosk.get_by_role("button", name="查询实习信息").click()
    kiosk.locator("#step-check").wait_for(state="visible")
    assert kiosk.locator("#student-id").inner_text() == intern.masked_id_number
    assert kiosk.locator("#company").inner_text() == "郑州宇通客车股份有限公司"
    kiosk.get_by_role("button", name="信息无误，开始确认").click()
    kiosk.locator("#step-result").wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
    assert kiosk.locator("#result-title").inner_text() == "离校前确认成功", kiosk.locator("#result-messages").inner_text()

    page.reload()
    assert "确认通过" in page.locator("#confirmation").inner_text()
    record = InternshipRecord.objects.get(student=intern)
    assert record.confirmed_terminal.username == "county_terminal"

    # The next routine check, on the first internship day, leaves the intern out.
    during = routine_check_on(start, org_tree=org_tree)
    assert ensure_participants(during, now=during.starts_at + timedelta(minutes=1))
    assert set(during.participants.values_list("student_id", flat=True)) == {classmate.pk}

    # After the end date the intern takes part again.
    after = routine_check_on(end + timedelta(days=1), org_tree=org_tree)
    assert ensure_participants(after, now=after.starts_at + timedelta(minutes=1))
    assert set(after.participants.values_list("student_id", flat=True)) == {intern.pk, classmate.pk}
