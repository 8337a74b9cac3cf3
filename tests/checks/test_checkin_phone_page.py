"""The phone check-in page and its JSON API, driven through Django's test client with real frames."""
import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

import checks_support
import enrolment_faces

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
CAMPUS = (34.748, 113.022)


@pytest.fixture(autouse=True)
def during_march_check():
    """Run on a March weekday inside the check, so no date of the real clock locks its month."""
    with time_machine.travel(checks_support.MARCH_CHECK + timedelta(minutes=10), tick=True) as traveller:
        yield traveller


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def student(org_tree, person):
    from aidface.org.models import Role, User

    student = checks_support.make_student(org_tree.county_school)
    student.account = User.objects.create(username=student.id_number, role=Role.STUDENT, school=org_tree.county_school)
    student.save(update_fields=["account"])
    checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
    return student


@pytest.fixture
def open_check(org_tree, student):
    """A check open now (the page and the API read the clock), with a turns-only policy."""
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    checks_support.approve_campus(org_tree.campus)
    return checks_support.make_check(
        office=org_tree.gongyi,
        schools=[org_tree.county_school],
        students=[student],
        launched_by=org_tree.users["county"],
        starts_at=checks_support.MARCH_CHECK,
    )


@pytest.fixture
def student_client(client, student):
    client.force_login(student.account, backend=MODEL_BACKEND)
    return client


def post_check_in(client, nonce: str, frames, **fields):
    data = {
        "nonce": nonce,
        "captured_ms": json.dumps([frame.captured_ms for frame in frames]),
        "frames": [_upload(index, frame.data) for index, frame in enumerate(frames)],
        **fields,
    }
    return client.post("/api/checks/phone/check-in", data)


def _upload(index: int, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"frame{index}.jpg", data, content_type="image/jpeg")


def test_page_without_open_check(student_client):
    content = student_client.get("/checks/phone/").content.decode()
    assert "当前没有需要您签到的抽查" in content
    assert "phone.js" not in content


def test_page_tells_unenrolled_student(client, org_tree):
    from aidface.org.models import Role, User

    student = checks_support.make_student(org_tree.county_school, sequence="246")
    student.account = User.objects.create(username=student.id_number, role=Role.STUDENT, school=org_tree.county_school)
    student.save(update_fields=["account"])
    client.force_login(student.account, backend=MODEL_BACKEND)

    content = client.get("/checks/phone/").content.decode()
    assert "您还没有完成新增采集" in content
    assert "当前没有需要您签到的抽查" not in content


def test_page_during_open_check(student_client, open_check):
    content = student_client.get("/checks/phone/").content.decode()
    assert "开始签到" in content
    assert 'id="attempts-left">3<' in content
    assert "phone.js" in content
    assert '"apiBase": "/api/checks/phone"' in content


def test_page_after_limit_sends_to_terminal(student_client, open_check):
    open_check.participants.update(phone_attempts=3, status="failed")
    content = student_client.get("/checks/phone/").content.decode()
    assert "请到学校终端机进行现场确认" in content
    assert "开始签到" not in content


@pytest.mark.parametrize("role", ["operator", "terminal", "county"])
def test_page_refused_to_staff(client, org_tree, role):
    client.force_login(org_tree.users[role], backend=MODEL_BACKEND)
    assert client.get("/checks/phone/").status_code == 403


def test_student_without_roster_record(client, org_tree):
    client.force_login(org_tree.users["student"], backend=MODEL_BACKEND)
    assert "没有关联学生名册" in client.get("/checks/phone/").content.decode()


def test_challenge_without_open_check(student_client, student):
    response = student_client.post("/api/checks/phone/challenge")
    assert response.status_code == 400
    assert response.json()["code"] == "no_open_check"


def test_challenge_lists_prompts(student_client, open_check):
    data = student_client.post("/api/checks/phone/challenge").json()
    assert sorted(data["actions"]) == ["turn_left", "turn_right"]
    assert set(data["prompts"]) == {"请向左转头", "请向右转头"}
    assert data["attempts_left"] == 3


def test_check_in_through_api_passes(student_client, open_check, person, during_march_check):
    from aidface.checks.models import CheckIn

    nonce = student_client.post("/api/checks/phone/challenge").json()["nonce"]
    frames = enrolment_faces.turn_frames(person)
    # The frames span 4.4 s of filming, which must have elapsed since the challenge.
    during_march_check.shift(timedelta(seconds=8))
    response = post_check_in(
        student_client, nonce, frames, latitude=str(CAMPUS[0] + 0.002), longitude=str(CAMPUS[1]), accuracy="15",
        coord_system="wgs84", captured_at=timezone.now().isoformat(), device_id="phone-123",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["passed"], data["messages"]
    assert data["next_step"] == "done"
    assert data["messages"][0] == "签到成功"
    assert 200 <= data["distance_m"] <= 250
    check_in = CheckIn.objects.get()
    assert check_in.captured_at is not None
    assert check_in.device_hash != "phone-123"


def test_check_in_without_tag_refused(student_client, open_check, person):
    nonce = student_client.post("/api/checks/phone/challenge").json()["nonce"]
    frames = enrolment_faces.turn_frames(person)[:6]
    response = post_check_in(student_client, nonce, frames, latitude=str(CAMPUS[0]), longitude=str(CAMPUS[1]), accuracy="15")
    assert response.status_code == 400
    assert response.json()["code"] == "location_invalid"
    assert "坐标系" in response.json()["message"]


def test_check_in_with_unreadable_number_refused(student_client, open_check, person):
    nonce = student_client.post("/api/checks/phone/challenge").json()["nonce"]
    frames = enrolment_faces.turn_frames(person)[:6]
    response = post_check_in(
        student_client, nonce, frames, latitude="north", longitude=str(CAMPUS[1]), accuracy="15", coord_system="wgs84"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "location_invalid"


def test_check_in_with_other_students_nonce_refused(client, org_tree, open_check, student, person):
    from aidface.checks import checkin
    from aidface.org.models import Role, User

    nonce = checkin.issue_check_in_challenge(
        user=student.account, participant=open_check.participants.get(), channel="phone"
    ).nonce
    other = checks_support.make_student(org_tree.county_school, name="另一名学生", sequence="777")
    other.account = User.objects.create(username=other.id_number, role=Role.STUDENT, school=org_tree.county_school)
    other.save(update_fields=["account"])
    client.force_login(other.account, backend=MODEL_BACKEND)

    response = post_check_in(
        client, nonce, enrolment_faces.turn_frames(person)[:6], latitude=str(CAMPUS[0]), longitude=str(CAMPUS[1]),
        accuracy="15", coord_system="wgs84",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "challenge_unknown"


def test_attempts_used_refused_with_next_step(student_client, open_check):
    open_check.participants.update(phone_attempts=3, status="failed")
    response = student_client.post("/api/checks/phone/challenge")
    assert response.status_code == 400
    assert response.json()["next_step"] == "go_to_terminal"


def test_api_refused_to_staff(client, org_tree, open_check):
    client.force_login(org_tree.users["operator"], backend=MODEL_BACKEND)
    assert client.post("/api/checks/phone/challenge").status_code == 403


def test_challenge_for_closed_check_names_closing_time(student_client, open_check):
    from aidface.checks.models import Check

    participant = open_check.participants.get()
    Check.objects.update(ends_at=checks_support.MARCH_CHECK + timedelta(minutes=5))
    response = student_client.post(f"/api/checks/phone/challenge?participant_id={participant.pk}")
    assert response.status_code == 400
    assert response.json()["message"] == "本次抽查已于 2026年03月17日 09:05 结束，不能再签到"


def test_challenge_for_other_students_participant_refused(client, org_tree, open_check):
    from aidface.org.models import Role, User

    other = checks_support.make_student(org_tree.county_school, name="另一名学生", sequence="778")
    other.account = User.objects.create(username=other.id_number, role=Role.STUDENT, school=org_tree.county_school)
    other.save(update_fields=["account"])
    client.force_login(other.account, backend=MODEL_BACKEND)
    response = client.post(f"/api/checks/phone/challenge?participant_id={open_check.participants.get().pk}")
    assert response.status_code == 400
    assert response.json()["code"] == "no_open_check"
