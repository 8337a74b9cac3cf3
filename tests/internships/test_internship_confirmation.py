"""Pre-departure confirmation at the terminal with real photos: liveness and 1:1 against the enrolment gallery."""
import io
import json
from datetime import date, datetime, timedelta

import pytest
from internships_support import MODEL_BACKEND, SHANGHAI, raw_fields
from django.core.exceptions import PermissionDenied

import checks_support
import enrolment_faces
from aidface import crypto
from aidface.audit.models import AuditEntry
from aidface.face.liveness import Frame
from aidface.internships import confirmation, selectors, services
from aidface.internships.errors import InternshipError
from aidface.internships.models import ConfirmationChallenge, InternshipPhoto

# The confirmation happens on 25 March; the internship starts on 1 April.
CONFIRM_AT = datetime(2026, 3, 25, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def turns_only(org_tree):
    from aidface.policy.models import PolicyOverride

    return PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])


@pytest.fixture
def terminal(org_tree):
    return org_tree.users["terminal"]


@pytest.fixture
def enrolled(student, person, turns_only):
    checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
    return student


@pytest.fixture
def record(operator, enrolled):
    created = services.create_record(user=operator, school=enrolled.school, raw=raw_fields(enrolled), now=CONFIRM_AT)
    services.file_record(user=operator, record=created, now=CONFIRM_AT)
    created.refresh_from_db()
    return created


def confirm(terminal, record, frames, *, now=CONFIRM_AT):
    challenge = confirmation.issue_confirmation_challenge(terminal=terminal, record=record, now=now)
    return challenge, confirmation.confirm_departure(
        terminal=terminal, record=record, nonce=challenge.nonce, frames=frames, now=now + timedelta(seconds=8)
    )


def test_confirmation_passes_and_is_recorded(terminal, record, person, enrolled):
    assert selectors.students_on_internship(student_ids=[enrolled.pk], day=date(2026, 4, 1)) == set()
    _, result = confirm(terminal, record, enrolment_faces.turn_frames(person))
    assert result.passed, result.messages
    record.refresh_from_db()
    assert record.confirmed_at == CONFIRM_AT + timedelta(seconds=8)
    assert record.confirmed_terminal == terminal
    assert record.confirmation_distance == pytest.approx(result.distance)
    assert record.confirmation_distance < record.confirmation_threshold

    photo = InternshipPhoto.objects.get(record=record)
    plaintext = crypto.decrypt(bytes(photo.content), associated_data=photo.associated_data)
    assert plaintext.startswith(b"\xff\xd8")
    assert bytes(photo.content) != plaintext
    entry = AuditEntry.objects.get(action="internship.confirm")
    assert entry.outcome == "success"
    assert entry.user == terminal
    assert entry.detail["photo_id"] == photo.pk

    assert selectors.students_on_internship(student_ids=[enrolled.pk], day=date(2026, 3, 31)) == set()
    assert selectors.students_on_internship(student_ids=[enrolled.pk], day=date(2026, 4, 1)) == {enrolled.pk}
    assert selectors.students_on_internship(student_ids=[enrolled.pk], day=date(2026, 7, 1)) == set()


def test_other_face_fails_and_changes_nothing(terminal, operator, student, person, faces_dir, turns_only):
    other = faces_dir / "asian" / "gallery" / "lfw_Hu_Jintao"
    checks_support.enrol_from_photos(student, [other / "1.jpg", other / "6.jpg", other / "12.jpg"])
    created = services.create_record(user=operator, school=student.school, raw=raw_fields(student), now=CONFIRM_AT)
    _, result = confirm(terminal, created, enrolment_faces.turn_frames(person))
    assert not result.passed
    assert result.outcome == "face_mismatch"
    assert result.messages == ("人脸比对未通过：与本人采集的人脸不一致。请本人正对镜头、在光线充足处重试",)
    created.refresh_from_db()
    assert created.confirmed_at is None
    assert not InternshipPhoto.objects.exists()
    assert AuditEntry.objects.get(action="internship.confirm").outcome == "failure"


def test_missing_turns_fail_liveness(terminal, record, person):
    frames = [Frame(data=enrolment_faces.camera_frame(person.frontal, seed=index), captured_ms=index * 200.0) for index in range(10)]
    _, result = confirm(terminal, record, frames)
    assert result.outcome == "liveness_failed"
    record.refresh_from_db()
    assert record.confirmed_at is None


def test_nonce_single_use(terminal, record, person):
    challenge = confirmation.issue_confirmation_challenge(terminal=terminal, record=record, now=CONFIRM_AT)
    frames = [Frame(data=b"x", captured_ms=0.0)]
    confirmation.confirm_departure(terminal=terminal, record=record, nonce=challenge.nonce, frames=frames, now=CONFIRM_AT)
    assert ConfirmationChallenge.objects.get(nonce=challenge.nonce).used_at is not None
    with pytest.raises(InternshipError) as caught:
        confirmation.confirm_departure(terminal=terminal, record=record, nonce=challenge.nonce, frames=frames, now=CONFIRM_AT)
    assert caught.value.code == "nonce_reused"
    with pytest.raises(InternshipError) as caught:
        confirmation.confirm_departure(terminal=terminal, record=record, nonce="made-up", frames=frames, now=CONFIRM_AT)
    assert caught.value.code == "challenge_unknown"


def test_confirmation_after_start_date_refused(terminal, record):
    with pytest.raises(InternshipError) as caught:
        confirmation.issue_confirmation_challenge(terminal=terminal, record=record, now=datetime(2026, 4, 2, 9, tzinfo=SHANGHAI))
    assert caught.value.message == "实习已于 2026-04-01 开始，离校前确认须在开始日期当天或之前完成"


def test_confirmation_needs_gallery(terminal, operator, student, turns_only):
    created = services.create_record(user=operator, school=student.school, raw=raw_fields(student), now=CONFIRM_AT)
    with pytest.raises(InternshipError) as caught:
        confirmation.issue_confirmation_challenge(terminal=terminal, record=created, now=CONFIRM_AT)
    assert caught.value.code == "no_template"


def test_only_terminal_accounts_confirm(org_tree, record):
    for key in ("operator", "principal", "county", "student"):
        with pytest.raises(PermissionDenied):
            confirmation.issue_confirmation_challenge(terminal=org_tree.users[key], record=record, now=CONFIRM_AT)


def test_lookup_by_id_number(terminal, record, enrolled, other_student):
    assert confirmation.record_for_confirmation(terminal=terminal, id_number=enrolled.id_number.lower(), now=CONFIRM_AT) == record
    with pytest.raises(InternshipError) as caught:
        confirmation.record_for_confirmation(terminal=terminal, id_number=other_student.id_number, now=CONFIRM_AT)
    assert caught.value.message == f"本校没有身份证号为 {other_student.masked_id_number} 的学生的岗位实习记录，请先由学校管理员登记实习信息"
    with pytest.raises(InternshipError) as caught:
        confirmation.record_for_confirmation(terminal=terminal, id_number="41018120070512211", now=CONFIRM_AT)
    assert caught.value.code == "id_number_invalid"
    with pytest.raises(InternshipError) as caught:
        confirmation.record_for_confirmation(terminal=terminal, id_number=enrolled.id_number, now=datetime(2026, 4, 3, tzinfo=SHANGHAI))
    assert caught.value.code == "too_late"


def test_lookup_of_other_school_student_finds_nothing(org_tree, record, enrolled):
    from aidface.org.models import Campus, Role, User

    campus = Campus.objects.create(
        school=org_tree.other_county_school, name="主校区", address="河南省新安县", latitude="34.7", longitude="112.1", coord_system="wgs84"
    )
    other_terminal = User.objects.create(username="xinan_terminal", role=Role.TERMINAL, school=org_tree.other_county_school, campus=campus)
    with pytest.raises(InternshipError) as caught:
        confirmation.record_for_confirmation(terminal=other_terminal, id_number=enrolled.id_number, now=CONFIRM_AT)
    assert caught.value.code == "no_internship"


def test_api_confirms_through_terminal_routes(client, terminal, record, enrolled, person, time_machine):
    """The kiosk's three calls, with the real clock moved to the confirmation day."""
    time_machine.move_to(CONFIRM_AT, tick=False)
    client.force_login(terminal, backend=MODEL_BACKEND)
    found = client.post("/api/internships/terminal/lookup", json.dumps({"id_number": enrolled.id_number}), content_type="application/json")
    assert found.status_code == 200
    assert found.json()["record_id"] == record.pk
    assert found.json()["masked_id_number"] == enrolled.masked_id_number
    assert enrolled.id_number not in found.content.decode()

    challenge = client.post(f"/api/internships/terminal/{record.pk}/challenge")
    assert challenge.status_code == 200
    assert sorted(challenge.json()["actions"]) == ["turn_left", "turn_right"]
    frames = enrolment_faces.turn_frames(person)
    # The frames span about 4 s of filming, so the upload arrives that much later.
    time_machine.move_to(CONFIRM_AT + timedelta(seconds=8), tick=False)
    uploads = []
    for index, frame in enumerate(frames):
        upload = io.BytesIO(frame.data)
        upload.name = f"frame{index}.jpg"
        uploads.append(upload)
    response = client.post(
        f"/api/internships/terminal/{record.pk}/confirm",
        {"nonce": challenge.json()["nonce"], "captured_ms": json.dumps([frame.captured_ms for frame in frames]), "frames": uploads},
    )
    assert response.status_code == 200, response.content
    assert response.json()["passed"] is True
    record.refresh_from_db()
    assert record.confirmed_at is not None

    again = client.post("/api/internships/terminal/lookup", json.dumps({"id_number": enrolled.id_number}), content_type="application/json")
    assert again.status_code == 400
    assert again.json()["code"] == "already_confirmed"


def test_api_refuses_other_roles(client, org_tree, record):
    client.force_login(org_tree.users["operator"], backend=MODEL_BACKEND)
    response = client.post("/api/internships/terminal/lookup", json.dumps({"id_number": "x"}), content_type="application/json")
    assert response.status_code == 403
    assert client.post(f"/api/internships/terminal/{record.pk}/challenge").status_code == 403
    assert client.get("/internships/terminal/").status_code == 403


def test_photo_served_in_scope_only(client, org_tree, terminal, record, person):
    _, result = confirm(terminal, record, enrolment_faces.turn_frames(person))
    assert result.passed, result.messages
    photo = InternshipPhoto.objects.get(record=record)
    client.force_login(org_tree.users["principal"], backend=MODEL_BACKEND)
    response = client.get(f"/internships/photos/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store, private"
    assert response.content.startswith(b"\xff\xd8")
    assert AuditEntry.objects.filter(action="internship.photo_view").count() == 1
    client.force_login(org_tree.users["other_principal"], backend=MODEL_BACKEND)
    assert client.get(f"/internships/photos/{photo.pk}/").status_code == 404


def test_api_record_of_other_school_not_found(client, org_tree, foreign_student):
    from aidface.internships.models import InternshipRecord

    foreign = InternshipRecord.objects.create(
        student=foreign_student, school=foreign_student.school, grade="2024级", class_name="1班", company="某公司",
        address="某地", supervisor_name="某人", supervisor_phone="13800000000", start_date=date(2026, 4, 1), end_date=date(2026, 5, 1),
    )  # fmt: skip
    client.force_login(org_tree.users["terminal"], backend=MODEL_BACKEND)
    assert client.post(f"/api/internships/terminal/{foreign.pk}/challenge").status_code == 404
