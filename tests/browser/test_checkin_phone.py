"""Phone check-in in Chromium: fake camera of a real person, a set location or the host app's bridge.

The campus is approved in GCJ-02, as a web map would give it. Each location test first
checks in from 1,600 m, outside the 1,500 m geofence, so the page shows the distance.
On the retry button it checks in again from 1,400 m, inside. The fix comes from the
browser's WGS-84 geolocation in one test and from `window.AidfaceHost` as GCJ-02 or
BD-09 in the others. The fake camera plays one clip of the enrolled man turning his
head, which passes the turns-only liveness policy.
"""
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from test_enrolment_terminal import make_turn_clip

import checks_support
import enrolment_faces

# Locating, filming and checking take about 12 s; allow for a slow machine.
RESULT_TIMEOUT_MS = 90_000
# The campus centre in WGS-84; it is stored converted to GCJ-02.
CAMPUS = (34.748, 113.022)
METRES_PER_DEGREE_LATITUDE = 6_371_008.8 * 3.141592653589793 / 180
PASSWORD = "Xuesheng-Mima-2026"
OUTSIDE_MESSAGE = "不在校园定位范围内（距最近校区 1.6 公里），请在校内重试。"
# A location bridge as a host app would provide it; the test sets `window.__hostFix`.
HOST_BRIDGE = """
window.AidfaceHost = {
  getLocation: () => window.__hostFix ? Promise.resolve(window.__hostFix) : Promise.reject(new Error("no fix")),
};
"""


def north_of_campus(metres: float) -> tuple[float, float]:
    return CAMPUS[0] + metres / METRES_PER_DEGREE_LATITUDE, CAMPUS[1]


@pytest.fixture(scope="session")
def phone_turn_clip(faces_dir, tmp_path_factory) -> Path:
    # The enrolment test's clip of two turns, which passes the turns-only liveness policy.
    return make_turn_clip(enrolment_faces.person(faces_dir), tmp_path_factory.mktemp("checkin_clip"))


@pytest.fixture(autouse=True)
def during_march_check():
    """Run inside a March check on the server's clock, so no real date locks its month."""
    with time_machine.travel(checks_support.MARCH_CHECK + timedelta(minutes=10), tick=True):
        yield


@pytest.fixture
def check_setup(org_tree):
    """Approve the campus in GCJ-02 and restrict liveness to the two turns."""
    from aidface import geo
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    latitude, longitude = geo.wgs84_to_gcj02(*CAMPUS)
    checks_support.approve_campus(
        org_tree.campus, latitude=f"{latitude:.6f}", longitude=f"{longitude:.6f}", coord_system="gcj02"
    )
    return org_tree


def enrolled_student(org_tree, photos: list[Path], *, name: str, sequence: str):
    from aidface.org.models import Role, User

    student = checks_support.make_student(org_tree.county_school, name=name, sequence=sequence)
    account = User(username=student.id_number, role=Role.STUDENT, school=org_tree.county_school, display_name=name)
    account.set_password(PASSWORD)
    account.save()
    student.account = account
    student.save(update_fields=["account"])
    checks_support.enrol_from_photos(student, photos)
    checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    return student


@pytest.fixture
def student(check_setup, faces_dir):
    person = enrolment_faces.person(faces_dir)
    return enrolled_student(check_setup, [person.chip_source, person.frontal, person.right], name="陈晓明", sequence="123")


@pytest.fixture
def open_phone(live_server, launch_browser, phone_turn_clip, new_page, log_in):
    """Return `open(student, **location)`: log the student in and open the phone page."""

    def open_page(student, *, host_bridge: bool = False, **location):
        page = new_page(on=launch_browser(camera_clip=phone_turn_clip), **location)
        if host_bridge:
            page.add_init_script(HOST_BRIDGE)
        log_in(page, student.id_number, PASSWORD)
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="手机签到").click()
        return page

    return open_page


def check_in(page, button: str = "开始签到") -> str:
    page.get_by_role("button", name=button).click()
    page.locator("#step-result").wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
    return page.locator("#result-title").inner_text()


def set_host_fix(page, point: tuple[float, float], coord_system: str) -> None:
    page.evaluate(
        "fix => { window.__hostFix = fix; }",
        {"latitude": point[0], "longitude": point[1], "accuracy": 20, "coordSystem": coord_system},
    )


def test_browser_location_outside_then_inside(open_phone, student, set_location):
    from aidface.checks.models import CheckIn

    outside = north_of_campus(1600)
    page = open_phone(student, latitude=outside[0], longitude=outside[1])

    assert check_in(page) == "签到未通过"
    assert OUTSIDE_MESSAGE in page.locator("#result-messages").inner_text()
    assert page.locator("#attempts-left").inner_text() == "2"

    inside = north_of_campus(1400)
    set_location(page, latitude=inside[0], longitude=inside[1])
    assert check_in(page, "重新签到") == "签到成功", page.locator("#result-messages").inner_text()

    attempts = list(CheckIn.objects.filter(student=student).order_by("number"))
    assert [attempt.outcome for attempt in attempts] == ["outside_geofence", "passed"]
    assert [attempt.coord_system for attempt in attempts] == ["wgs84", "wgs84"]
    assert attempts[1].geofence_distance_m == pytest.approx(1400, abs=15)


@pytest.mark.parametrize("coord_system", ["gcj02", "bd09"])
def test_host_bridge_fix_outside_then_inside(open_phone, student, coord_system):
    from aidface import geo
    from aidface.checks.models import CheckIn

    convert = {"gcj02": geo.wgs84_to_gcj02, "bd09": geo.wgs84_to_bd09}[coord_system]
    page = open_phone(student, host_bridge=True)

    set_host_fix(page, convert(*north_of_campus(1600)), coord_system)
    assert check_in(page) == "签到未通过"
    assert OUTSIDE_MESSAGE in page.locator("#result-messages").inner_text()

    set_host_fix(page, convert(*north_of_campus(1400)), coord_system)
    assert check_in(page, "重新签到") == "签到成功", page.locator("#result-messages").inner_text()

    attempts = list(CheckIn.objects.filter(student=student).order_by("number"))
    assert [attempt.coord_system for attempt in attempts] == [coord_system, coord_system]
    assert [round(attempt.geofence_distance_m, -1) for attempt in attempts] == [1600, 1400]


def test_another_persons_face_fails(open_phone, check_setup, faces_dir):
    stranger = faces_dir / "asian" / "gallery" / "lfw_Hu_Jintao"
    student = enrolled_student(
        check_setup, [stranger / "1.jpg", stranger / "6.jpg", stranger / "12.jpg"], name="胡同学", sequence="246"
    )
    inside = north_of_campus(300)
    page = open_phone(student, latitude=inside[0], longitude=inside[1])

    assert check_in(page) == "签到未通过"
    messages = page.locator("#result-messages").inner_text()
    assert "人脸比对未通过" in messages
    assert "手机签到还可尝试 2 次" in messages


def test_check_in_after_close_refused(open_phone, student):
    from aidface.checks.models import Check, CheckIn

    inside = north_of_campus(300)
    page = open_phone(student, latitude=inside[0], longitude=inside[1])
    assert page.get_by_role("button", name="开始签到").is_visible()
    Check.objects.update(ends_at=checks_support.MARCH_CHECK + timedelta(minutes=5))

    assert check_in(page) == "签到未完成"
    assert "本次抽查已于 2026年03月17日 09:05 结束，不能再签到" in page.locator("#result-messages").inner_text()
    assert not CheckIn.objects.exists()


def test_page_without_open_check(open_phone, student):
    from aidface.checks.models import Check

    Check.objects.update(cancelled_at=checks_support.MARCH_CHECK, cancelled_by=Check.objects.get().launched_by)
    page = open_phone(student)
    assert page.locator("#no-open-check").inner_text() == "当前没有需要您签到的抽查。"
