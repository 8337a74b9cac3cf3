"""Forced-pass review pages per role: list, detail with photos, decision form, decrypted photo view."""
from datetime import timedelta

import pytest
import time_machine

import enrolment_faces
import forced_pass_support

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A day after the forced pass: the review is open until April 11th.
REVIEW_DAY = forced_pass_support.FORCED_AT + timedelta(days=1)


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def forced(org_tree, person):
    return forced_pass_support.force_passed_review(org_tree, person)


@pytest.fixture
def second_staff(org_tree):
    from aidface.org.models import Role, User

    return User.objects.create(username="county_staff_2", role=Role.OFFICE_STAFF, office=org_tree.gongyi, display_name="复核员二")


@pytest.fixture
def as_user(client):
    def log_in(user):
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return log_in


@pytest.fixture(autouse=True)
def review_day():
    with time_machine.travel(REVIEW_DAY, tick=True):
        yield


def test_office_list_shows_pending_forced_pass(org_tree, forced, as_user):
    from aidface.audit.models import AuditEntry

    response = as_user(org_tree.users["county"]).get("/checks/forced-passes/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "陈晓明" in html
    assert forced.participant.student.masked_id_number in html
    assert forced.participant.student.id_number not in html
    assert "待您处理" in html
    assert AuditEntry.objects.filter(action="forced_pass_review.list", user=org_tree.users["county"]).exists()


def test_list_filters(org_tree, forced, as_user, second_staff):
    client = as_user(org_tree.users["county"])
    school = org_tree.county_school.pk

    assert "陈晓明" in client.get("/checks/forced-passes/", {"state": "pending", "month": "2026-03"}).content.decode()
    assert "陈晓明" not in client.get("/checks/forced-passes/", {"state": "decided"}).content.decode()
    assert "陈晓明" not in client.get("/checks/forced-passes/", {"month": "2026-04"}).content.decode()
    assert "陈晓明" not in client.get("/checks/forced-passes/", {"school": org_tree.county_school_2.pk}).content.decode()
    assert "陈晓明" in client.get("/checks/forced-passes/", {"school": school}).content.decode()
    assert "请按“年-月”填写" in client.get("/checks/forced-passes/", {"month": "三月"}).content.decode()


def test_list_per_role(org_tree, forced, as_user):
    for key in ("city", "province", "operator", "principal"):
        response = as_user(org_tree.users[key]).get("/checks/forced-passes/", {"state": ""})
        assert response.status_code == 200, key
        assert "陈晓明" in response.content.decode(), key
    for key in ("other_county", "other_city", "other_principal"):
        response = as_user(org_tree.users[key]).get("/checks/forced-passes/", {"state": ""})
        assert response.status_code == 200, key
        assert "陈晓明" not in response.content.decode(), key
    for key in ("student", "terminal"):
        assert as_user(org_tree.users[key]).get("/checks/forced-passes/").status_code == 403, key


def test_detail_shows_photos_and_distances(org_tree, forced, as_user):
    from aidface.audit.models import AuditEntry

    response = as_user(org_tree.users["county"]).get(f"/checks/forced-passes/{forced.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"/checks/check-in-photos/{forced.check_in.photo_id}/" in html
    assert "强制通过留证照片" in html
    assert f"距离 {forced.check_in.face_distance:.3f}" in html
    assert "初审意见（第一人）" in html
    assert AuditEntry.objects.get(action="forced_pass_review.view").target_id == str(forced.pk)


def test_detail_read_only_for_school_and_office_above(org_tree, forced, as_user):
    for key in ("operator", "principal", "city"):
        response = as_user(org_tree.users[key]).get(f"/checks/forced-passes/{forced.pk}/")
        assert response.status_code == 200, key
        html = response.content.decode()
        assert "待复核" in html, key
        assert "初审意见（第一人）" not in html, key
        assert 'name="decision"' not in html, key


def test_detail_outside_jurisdiction_not_found(org_tree, forced, as_user):
    for key in ("other_county", "other_city", "other_principal"):
        client = as_user(org_tree.users[key])
        assert client.get(f"/checks/forced-passes/{forced.pk}/").status_code == 404, key
        assert client.get(f"/checks/check-in-photos/{forced.check_in.photo_id}/").status_code == 404, key
        response = client.post(f"/checks/forced-passes/{forced.pk}/review/", {"decision": "confirmed"})
        assert response.status_code == 404, key


def test_photo_view_serves_decrypted_evidence(org_tree, forced, as_user):
    from aidface.audit.models import AuditEntry
    from aidface.checks.review_selectors import open_check_in_photo

    response = as_user(org_tree.users["operator"]).get(f"/checks/check-in-photos/{forced.check_in.photo_id}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "no-store, private"
    assert response.content == open_check_in_photo(forced.check_in.photo)
    assert response.content[:2] == b"\xff\xd8"
    entry = AuditEntry.objects.get(action="check_in.photo_view")
    assert entry.detail == {"photo_id": forced.check_in.photo_id, "kind": "evidence"}
    assert as_user(org_tree.users["terminal"]).get(f"/checks/check-in-photos/{forced.check_in.photo_id}/").status_code == 403


def test_two_reviewers_decide_through_pages(org_tree, forced, as_user, second_staff):
    first = as_user(org_tree.users["county"])
    response = first.post(
        f"/checks/forced-passes/{forced.pk}/review/", {"decision": "failed", "comment": "留证照片不是本人"}, follow=True
    )
    assert "初审意见已保存" in response.content.decode()
    assert "须由另一名工作人员作出复核决定" in response.content.decode()

    again = first.post(f"/checks/forced-passes/{forced.pk}/review/", {"decision": "failed", "comment": "再次"}, follow=True)
    assert "复核须由两名不同的工作人员完成" in again.content.decode()

    second = as_user(second_staff)
    page = second.get(f"/checks/forced-passes/{forced.pk}/").content.decode()
    assert "复核决定（第二人，决定为最终结果）" in page
    decided = second.post(
        f"/checks/forced-passes/{forced.pk}/review/", {"decision": "failed", "comment": "同意初审"}, follow=True
    ).content.decode()
    assert "改为未通过" in decided

    forced.refresh_from_db()
    assert forced.state == "failed"
    assert forced.first_reviewer_id == org_tree.users["county"].pk
    assert forced.second_reviewer_id == second_staff.pk
    forced.participant.refresh_from_db()
    assert forced.participant.status == "failed"


def test_invalid_decision_form_shows_errors(org_tree, forced, as_user):
    response = as_user(org_tree.users["county"]).post(f"/checks/forced-passes/{forced.pk}/review/", {"comment": "x"})

    assert response.status_code == 400
    forced.refresh_from_db()
    assert forced.first_reviewer_id is None


def test_office_above_cannot_post_decision(org_tree, forced, as_user):
    response = as_user(org_tree.users["city"]).post(f"/checks/forced-passes/{forced.pk}/review/", {"decision": "confirmed"})

    assert response.status_code == 403
    forced.refresh_from_db()
    assert forced.first_reviewer_id is None


def test_overdue_review_shown_as_standing(org_tree, forced, as_user):
    with time_machine.travel(forced.due_at + timedelta(hours=1), tick=False):
        client = as_user(org_tree.users["county"])
        listing = client.get("/checks/forced-passes/", {"state": "expired"}).content.decode()
        detail = client.get(f"/checks/forced-passes/{forced.pk}/").content.decode()

    assert "逾期未复核（维持强制通过）" in listing
    assert "陈晓明" in listing
    assert 'name="decision"' not in detail


def test_enrolment_photos_beside_evidence(org_tree, forced, as_user, person):
    from aidface.enrolment.models import AttemptOutcome, Enrolment, EnrolmentAttempt, PhotoKind
    from aidface.enrolment.services import _store_photo

    enrolment = Enrolment.objects.get(student=forced.participant.student)
    at = enrolment.started_at
    chip = _store_photo(enrolment, kind=PhotoKind.CHIP, content=enrolment_faces.chip_photo(person.chip_source), user=None, now=at)
    live = _store_photo(enrolment, kind=PhotoKind.LIVE, content=enrolment_faces.camera_frame(person.frontal, seed=1), user=None, now=at)
    EnrolmentAttempt.objects.create(
        enrolment=enrolment, number=1, outcome=AttemptOutcome.PASSED, distance=0.21, similarity=73.8, threshold=0.32,
        live_photo=live, created_at=at,
    )  # fmt: skip

    client = as_user(org_tree.users["county"])
    html = client.get(f"/checks/forced-passes/{forced.pk}/").content.decode()

    assert f"/enrolment/photos/{chip.pk}/" in html
    assert f"/enrolment/photos/{live.pk}/" in html
    assert "相似度 73.8，距离 0.210" in html
    assert client.get(f"/enrolment/photos/{chip.pk}/").status_code == 200
