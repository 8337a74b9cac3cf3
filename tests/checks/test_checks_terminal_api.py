"""The terminal's check-in page and its JSON API: identify, challenge, check in, forced pass."""
import json
from datetime import timedelta

import pytest
import time_machine

import checks_support
import enrolment_faces
import forced_pass_support

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
API = "/api/checks/terminal"
NOW = checks_support.MARCH_CHECK + timedelta(minutes=30)


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def campus(org_tree):
    return checks_support.approve_campus(org_tree.campus)


@pytest.fixture
def student(org_tree, person):
    student = checks_support.make_student(org_tree.county_school)
    checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
    return student


@pytest.fixture
def participant(org_tree, student, campus):
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    return check.participants.get()


@pytest.fixture
def kiosk(client, org_tree, campus):
    client.force_login(org_tree.users["terminal"], backend=MODEL_BACKEND)
    return client


@pytest.fixture(autouse=True)
def during_check():
    with time_machine.travel(NOW, tick=True):
        yield


def post_json(client, path: str, payload: dict):
    return client.post(API + path, data=json.dumps(payload), content_type="application/json")


def test_terminal_page_for_terminal(kiosk):
    response = kiosk.get("/checks/terminal/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "抽查现场确认" in html
    assert "/api/checks/terminal" in html
    assert "主校区" in html


def test_terminal_page_refused_to_other_roles(client, org_tree, campus):
    for key in ("operator", "county", "student"):
        client.force_login(org_tree.users[key], backend=MODEL_BACKEND)
        assert client.get("/checks/terminal/").status_code == 403, key


def test_terminal_page_refused_on_unapproved_campus(client, org_tree):
    client.force_login(org_tree.users["terminal"], backend=MODEL_BACKEND)

    response = client.get("/checks/terminal/")

    assert response.status_code == 403
    assert "尚未经省级资助部门审核通过" in response.content.decode()


def test_identify_by_typed_id_number(kiosk, participant, student):
    from aidface.audit.models import AuditEntry

    response = post_json(kiosk, "/identify", {"id_number": student.id_number.lower(), "source": "typed"})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["participant_id"] == participant.pk
    assert data["student_name"] == "陈晓明"
    assert data["masked_id_number"] == student.masked_id_number
    assert student.id_number not in response.content.decode()
    assert data["status"] == "pending"
    assert data["forced_pass_allowed"] is False
    assert data["done"] is False
    entry = AuditEntry.objects.get(action="check_in.terminal_identify")
    assert entry.outcome == "success"
    assert entry.detail["source"] == "typed"


def test_identify_by_card_checks_name(kiosk, participant, student):
    found = post_json(kiosk, "/identify", {"id_number": student.id_number, "name": "陈 晓明", "source": "card"})
    assert found.status_code == 200

    other_name = post_json(kiosk, "/identify", {"id_number": student.id_number, "name": "陈小明", "source": "card"})
    assert other_name.status_code == 400
    assert other_name.json()["code"] == "name_mismatch"


def test_identify_refusals(kiosk, org_tree, participant, student):
    from aidface.audit.models import AuditEntry

    invalid = post_json(kiosk, "/identify", {"id_number": "41018120080315123", "source": "typed"})
    assert invalid.status_code == 400
    assert invalid.json()["code"] == "invalid_id_number"

    unknown = enrolment_faces.id_number(sequence="999")
    assert post_json(kiosk, "/identify", {"id_number": unknown, "source": "typed"}).json()["code"] == "not_on_roster"

    other_school = checks_support.make_student(org_tree.county_school_2, name="王小红", sequence="246")
    assert post_json(kiosk, "/identify", {"id_number": other_school.id_number, "source": "typed"}).json()["code"] == "not_on_roster"

    assert AuditEntry.objects.filter(action="check_in.terminal_identify", outcome="failure").count() == 3


def test_identify_without_open_check(kiosk, org_tree, campus, student):
    response = post_json(kiosk, "/identify", {"id_number": student.id_number, "source": "typed"})

    assert response.status_code == 400
    assert response.json()["code"] == "no_open_check"


def test_identify_unenrolled_student(kiosk, org_tree, campus):
    unenrolled = checks_support.make_student(org_tree.county_school, name="赵小明", sequence="357")
    response = post_json(kiosk, "/identify", {"id_number": unenrolled.id_number, "source": "typed"})

    assert response.status_code == 400
    assert response.json()["code"] == "not_enrolled"
    assert "尚未完成新增采集" in response.json()["message"]


def test_challenge_for_participant(kiosk, participant):
    response = kiosk.post(f"{API}/participants/{participant.pk}/challenge")

    assert response.status_code == 200, response.content
    data = response.json()
    assert len(data["actions"]) == 2
    assert len(data["prompts"]) == 2
    assert data["nonce"]


def test_check_in_with_real_frames_passes(kiosk, org_tree, participant, person):
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    challenge = kiosk.post(f"{API}/participants/{participant.pk}/challenge").json()
    frames = enrolment_faces.turn_frames(person)

    # The frames span four seconds, so they arrive some seconds after the challenge was issued.
    with time_machine.travel(NOW + timedelta(seconds=8), tick=True):
        response = kiosk.post(
            f"{API}/participants/{participant.pk}/check-in",
            data={
                "nonce": challenge["nonce"],
                "captured_ms": json.dumps([frame.captured_ms for frame in frames]),
                "frames": [_upload(f"frame{index}.jpg", frame.data) for index, frame in enumerate(frames)],
            },
        )

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["passed"] is True, data["messages"]
    assert data["next_step"] == "done"
    assert data["status_label"] == "签到通过"


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def test_forced_pass_api_needs_failed_terminal_attempt(kiosk, participant, person):
    from aidface.checks.models import ForcedPassReview

    photo = _upload("evidence.jpg", enrolment_faces.camera_frame(person.frontal, seed=2))
    response = kiosk.post(f"{API}/participants/{participant.pk}/forced-pass", data={"photo": photo})

    assert response.status_code == 400
    assert response.json()["code"] == "terminal_attempt_missing"
    assert not ForcedPassReview.objects.exists()


def test_forced_pass_api_records_forced_pass(kiosk, participant, person):
    from aidface.checks.models import CheckInPhoto, ForcedPassReview

    forced_pass_support.failed_terminal_attempt(participant, at=NOW - timedelta(minutes=1))
    identified = post_json(kiosk, "/identify", {"id_number": participant.student.id_number, "source": "typed"}).json()
    assert identified["forced_pass_allowed"] is True
    assert identified["failed_terminal_attempts"] == 1

    photo = _upload("evidence.jpg", enrolment_faces.camera_frame(person.frontal, seed=2))
    response = kiosk.post(f"{API}/participants/{participant.pk}/forced-pass", data={"photo": photo})

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "forced_pass"
    assert data["status_label"] == "强制通过（存疑）"
    assert data["review_due_at"] == "2026-04-11 00:00"
    assert CheckInPhoto.objects.get(participant=participant).kind == "evidence"
    assert ForcedPassReview.objects.get(participant=participant).state == "pending"

    again = post_json(kiosk, "/identify", {"id_number": participant.student.id_number, "source": "typed"}).json()
    assert again["done"] is True


def test_api_refuses_other_school_participant(kiosk, org_tree, person):
    other = checks_support.make_student(org_tree.county_school_2, name="王小红", sequence="246")
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school_2], students=[other], launched_by=org_tree.users["county"]
    )
    participant = check.participants.get()

    assert kiosk.post(f"{API}/participants/{participant.pk}/challenge").status_code == 404
    photo = _upload("evidence.jpg", enrolment_faces.camera_frame(person.frontal, seed=2))
    assert kiosk.post(f"{API}/participants/{participant.pk}/forced-pass", data={"photo": photo}).status_code == 404


def test_api_refuses_non_terminal(client, org_tree, participant):
    client.force_login(org_tree.users["operator"], backend=MODEL_BACKEND)

    response = post_json(client, "/identify", {"id_number": participant.student.id_number, "source": "typed"})

    assert response.status_code == 403
    assert client.post(f"{API}/participants/{participant.pk}/challenge").status_code == 403
