"""The terminal fallback in Chromium (Art. 13): the on-site confirmation fails and the page records a forced pass.

The student, whose three phone attempts failed, is enrolled from photos of one man. At
the terminal the fake camera shows another man turning his head, so liveness passes
and the 1:1 comparison fails. The page then takes the evidence photo by itself, the
terminal confirms the forced pass, and the supervising office finds it in its review list.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from test_enrolment_terminal import make_turn_clip

import checks_support
import enrolment_faces

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT_TERMINAL = checks_support.MARCH_CHECK + timedelta(minutes=50)
# Filming takes about 8 s and checking a few more; allow for a slow machine.
RESULT_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def other_man_clip(faces_dir, tmp_path_factory):
    """The man of the enrolment photo set, turning his head: not the enrolled student."""
    return make_turn_clip(enrolment_faces.person(faces_dir), tmp_path_factory.mktemp("checkin_clip"))


@pytest.fixture
def participant(org_tree, faces_dir):
    """A participant enrolled from Hu Jintao's photos whose three phone attempts failed on the face."""
    from aidface.checks.models import CheckIn
    from aidface.policy.models import PolicyOverride

    # A looping clip cannot blink or open its mouth, so the liveness challenge requests the two turns only.
    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    checks_support.approve_campus(org_tree.campus)
    student = checks_support.make_student(org_tree.county_school, name="陈晓明")
    enrolled = faces_dir / "asian" / "gallery" / "lfw_Hu_Jintao"
    checks_support.enrol_from_photos(student, [enrolled / "1.jpg", enrolled / "6.jpg", enrolled / "12.jpg"])
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    participant = check.participants.get()
    for number in (1, 2, 3):
        CheckIn.objects.create(
            participant=participant, check_record=check, student=student, school=participant.school, channel="phone",
            number=number, outcome="face_mismatch", created_at=AT_TERMINAL - timedelta(minutes=30 - number),
        )  # fmt: skip
    participant.status = "failed"
    participant.phone_attempts = 3
    participant.save()
    return participant


def test_terminal_fallback_ends_in_forced_pass(live_server, org_tree, participant, other_man_clip, launch_browser, new_page, log_in):
    from aidface.checks.models import CheckIn, ForcedPassReview
    from aidface.checks.review_selectors import open_check_in_photo
    from aidface.face.decode import decode_image

    with time_machine.travel(AT_TERMINAL, tick=True):
        kiosk = new_page(on=launch_browser(camera_clip=other_man_clip))
        log_in(kiosk, "county_terminal", org_tree.password)
        kiosk.goto(f"{live_server.url}/checks/terminal/")
        kiosk.get_by_label("身份证号").fill(participant.student.id_number)
        kiosk.get_by_role("button", name="查找").click()
        kiosk.locator("#step-student").wait_for(state="visible")
        assert kiosk.locator("#student-name").inner_text() == "陈晓明"
        assert kiosk.locator("#student-id").inner_text() == participant.student.masked_id_number

        kiosk.get_by_role("button", name="开始现场确认").click()
        kiosk.locator("#step-result").wait_for(state="visible", timeout=RESULT_TIMEOUT_MS)
        messages = kiosk.locator("#result-messages").inner_text()
        assert kiosk.locator("#result-title").inner_text() == "现场确认未通过，已自动拍照留证", messages
        assert "人脸比对未通过" in messages
        assert kiosk.locator("#evidence-image").is_visible()

        kiosk.get_by_role("button", name="确认强制通过").click()
        kiosk.get_by_text("已强制通过（存疑）").wait_for()
        assert "复核截止：2026-04-11 00:00" in kiosk.locator("#result-messages").inner_text()

        participant.refresh_from_db()
        assert participant.status == "forced_pass"
        terminal_attempts = CheckIn.objects.filter(participant=participant, channel="terminal").order_by("number")
        assert [item.outcome for item in terminal_attempts] == ["face_mismatch", "forced_pass"]
        forced = terminal_attempts.last()
        assert forced.photo.kind == "evidence"
        evidence = open_check_in_photo(forced.photo)
        assert evidence not in bytes(forced.photo.content)
        assert decode_image(evidence).format == "JPEG"
        review = ForcedPassReview.objects.get(check_in=forced)
        assert review.state == "pending"
        assert review.due_at == datetime(2026, 4, 11, tzinfo=SHANGHAI)

        office = new_page(camera=False)
        log_in(office, "county_staff", org_tree.password)
        office.get_by_role("navigation", name="主导航").get_by_role("link", name="强制通过复核").click()
        row = office.locator("table.data tbody tr", has_text="陈晓明")
        assert row.locator(".review-state").inner_text().startswith("待复核")
        row.get_by_role("link", name="查看").click()
        office.wait_for_load_state()
        evidence_image = office.get_by_role("img", name="强制通过留证照片")
        evidence_image.wait_for()
        assert office.evaluate("(image) => image.complete && image.naturalWidth", evidence_image.element_handle()) == 640
