"""Enrolment pages and the terminal API within each role's jurisdiction, with audited photo access."""
import io
import json

import pytest
from django.urls import reverse
from PIL import Image

import enrolment_faces
from enrolment_support import LATE, ON_TIME

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def spring_2026():
    import time_machine

    with time_machine.travel(ON_TIME, tick=True):
        yield


@pytest.fixture
def enrolled(flow, student, chip):
    enrolment, result = flow.enrol(student, chip)
    assert result.outcome == "passed"
    return enrolment


@pytest.fixture
def appeal(flow, student, faces_dir, org_tree, person):
    from aidface.enrolment import review

    other_chip = enrolment_faces.chip_photo(enrolment_faces.other_person_chip_source(faces_dir))
    enrolment, _ = flow.enrol(student, other_chip)
    output = io.BytesIO()
    Image.open(person.frontal).save(output, "JPEG")
    review.capture_evidence(user=org_tree.users["terminal"], enrolment=enrolment, photo=output.getvalue())
    return review.file_appeal(user=org_tree.users["operator"], enrolment=enrolment, reason="身份证照片年代久远")


def test_status_list_shows_own_students(enrolled, org_tree, login):
    response = login(org_tree.users["operator"]).get(reverse("enrolment:status"))
    assert response.status_code == 200
    assert "陈晓明" in response.content.decode()
    assert "已采集" in response.content.decode()


def test_status_list_hides_other_schools(enrolled, org_tree, login):
    response = login(org_tree.users["other_principal"]).get(reverse("enrolment:status"))
    assert "陈晓明" not in response.content.decode()


def test_status_list_marks_late(flow, student, chip, org_tree, login):
    flow.enrol(student, chip, now=LATE)
    response = login(org_tree.users["county"]).get(reverse("enrolment:status"), {"state": "late"})
    assert "陈晓明" in response.content.decode()
    assert '<span class="late">逾期</span>' in response.content.decode()


def test_status_list_audited(enrolled, org_tree, login):
    from aidface.audit.models import AuditEntry

    login(org_tree.users["principal"]).get(reverse("enrolment:status"))
    assert AuditEntry.objects.filter(action="enrolment.view", username="county_principal").count() == 1


def test_student_role_forbidden(enrolled, org_tree, login):
    response = login(org_tree.users["student"]).get(reverse("enrolment:status"))
    assert response.status_code == 403


def test_detail_outside_scope_not_found(enrolled, org_tree, login):
    response = login(org_tree.users["other_county"]).get(reverse("enrolment:detail", args=[enrolled.pk]))
    assert response.status_code == 404


def test_detail_in_scope_for_city(enrolled, org_tree, login):
    response = login(org_tree.users["city"]).get(reverse("enrolment:detail", args=[enrolled.pk]))
    assert response.status_code == 200


def test_photo_served_decrypted(enrolled, chip, org_tree, login):
    photo = enrolled.photos.get(kind="chip")
    response = login(org_tree.users["county"]).get(reverse("enrolment:photo", args=[photo.pk]))
    assert response.content == chip
    assert response["Content-Type"] == "image/bmp"
    assert "no-store" in response["Cache-Control"]


def test_photo_view_audited(enrolled, org_tree, login):
    from aidface.audit.models import AuditEntry

    photo = enrolled.photos.get(kind="chip")
    login(org_tree.users["county"]).get(reverse("enrolment:photo", args=[photo.pk]))
    entry = AuditEntry.objects.get(action="enrolment.photo_view")
    assert entry.username == "county_staff"
    assert entry.detail == {"photo_id": photo.pk, "kind": "chip"}


def test_photo_outside_scope_not_found(enrolled, org_tree, login):
    photo = enrolled.photos.get(kind="chip")
    response = login(org_tree.users["other_county"]).get(reverse("enrolment:photo", args=[photo.pk]))
    assert response.status_code == 404


def test_terminal_page_for_terminal(org_tree, login, settings):
    settings.AIDFACE_CARD_READER_URL = "http://127.0.0.1:8765/card"
    response = login(org_tree.users["terminal"]).get(reverse("enrolment:terminal"))
    assert response.status_code == 200
    assert "http://127.0.0.1:8765/card" in response.content.decode()


def test_terminal_page_forbidden_for_office(org_tree, login):
    response = login(org_tree.users["county"]).get(reverse("enrolment:terminal"))
    assert response.status_code == 403


def test_card_api_starts_enrolment(flow, student, chip, org_tree, login):
    card = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=chip)
    response = login(org_tree.users["terminal"]).post("/api/enrolment/card", json.dumps(card), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["student_name"] == "陈晓明"
    assert response.json()["masked_id_number"] == student.masked_id_number


def test_card_api_error_in_chinese(flow, student, chip, org_tree, login):
    card = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=chip, valid_until="2025-01-01")
    response = login(org_tree.users["terminal"]).post("/api/enrolment/card", json.dumps(card), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "card_expired"
    assert "过期" in response.json()["message"]


def test_card_api_forbidden_for_office(flow, student, chip, org_tree, login):
    card = enrolment_faces.card_data(name=student.name, id_value=student.id_number, photo=chip)
    response = login(org_tree.users["county"]).post("/api/enrolment/card", json.dumps(card), content_type="application/json")
    assert response.status_code == 403


def test_capture_api_enrols(flow, student, chip, org_tree, login):
    from aidface.enrolment import services

    client = login(org_tree.users["terminal"])
    reading = flow.read_card(student, chip)
    flow.consent(reading.enrolment)
    challenge = client.post(f"/api/enrolment/{reading.enrolment.pk}/challenge").json()
    frames = enrolment_faces.turn_frames(flow.person, start_ms=0)
    uploads = [io.BytesIO(frame.data) for frame in frames]
    for index, upload in enumerate(uploads):
        upload.name = f"frame{index}.jpg"
    # The server accepts frames spanning no longer than the challenge's age, so the clock
    # moves on by the filming time.
    filming_seconds = (frames[-1].captured_ms - frames[0].captured_ms) / 1000
    import time_machine

    with time_machine.travel(ON_TIME.timestamp() + filming_seconds + 5, tick=True):
        response = client.post(
            f"/api/enrolment/{reading.enrolment.pk}/capture",
            {"nonce": challenge["nonce"], "captured_ms": json.dumps([frame.captured_ms for frame in frames]), "frames": uploads},
        )
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "passed"
    assert response.json()["state"] == "enrolled"
    assert services.has_consent(reading.enrolment) is True


def test_appeal_page_shows_three_photos(appeal, org_tree, login):
    response = login(org_tree.users["county"]).get(reverse("enrolment:appeal_detail", args=[appeal.pk]))
    content = response.content.decode()
    assert content.count('src="/enrolment/photos/') == 3
    assert "提交审核结果" in content


def test_appeal_page_read_only_for_school(appeal, org_tree, login):
    response = login(org_tree.users["operator"]).get(reverse("enrolment:appeal_detail", args=[appeal.pk]))
    content = response.content.decode()
    assert "待审核" in content
    assert "提交审核结果" not in content


def test_appeal_decided_through_page(appeal, org_tree, login):
    client = login(org_tree.users["county"])
    client.post(reverse("enrolment:decide_appeal", args=[appeal.pk]), {"decision": "reject", "comment": "照片不清晰"})
    appeal.refresh_from_db()
    assert appeal.state == "rejected"


def test_school_sees_decision(appeal, org_tree, login):
    from aidface.enrolment import review

    review.decide_appeal(user=org_tree.users["county"], appeal=appeal, approve=False, comment="照片不清晰")
    response = login(org_tree.users["operator"]).get(reverse("enrolment:appeals"))
    assert "已驳回" in response.content.decode()


def test_appeal_list_hidden_from_other_county(appeal, org_tree, login):
    response = login(org_tree.users["other_county"]).get(reverse("enrolment:appeal_detail", args=[appeal.pk]))
    assert response.status_code == 404


def test_reset_through_page(enrolled, org_tree, login):
    client = login(org_tree.users["county"])
    client.post(reverse("enrolment:reset", args=[enrolled.pk]), {"reason": "学生换发新证"})
    enrolled.refresh_from_db()
    assert enrolled.state == "reset"


def test_roster_export_shows_late(flow, student, chip, org_tree):
    from openpyxl import load_workbook

    from aidface.roster.services import export_roster

    flow.enrol(student, chip, now=LATE)
    content = export_roster(user=org_tree.users["operator"], school=org_tree.county_school)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    column = rows[0].index("采集状态")
    assert rows[1][column] == "已采集（逾期）"
