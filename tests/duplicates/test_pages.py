"""Duplicate-case pages per role: the office's queue and detail, photos, decisions, the school's list."""
import pytest
from django.urls import reverse

import duplicate_faces

pytestmark = pytest.mark.django_db

FRAUDSTER = "cnceleb_103"


@pytest.fixture
def case(org_tree, enroller, faces):
    """A case in the county school, with chip and live photos on both enrolments."""
    from aidface.duplicates.models import DuplicateCase

    first_chip = duplicate_faces.chip_photo(faces.photo(FRAUDSTER, 2))
    second_chip = duplicate_faces.chip_photo(faces.photo("cnceleb_106", 1))
    live = duplicate_faces.camera_frame(faces.photo(FRAUDSTER, 4), seed=3)
    enroller.enrol(
        enroller.student(org_tree.county_school, "张伟"),
        duplicate_faces.gallery(chip=faces.photo(FRAUDSTER, 2), frames=[faces.photo(FRAUDSTER, 4)], seed=1),
        chip=first_chip,
        live=live,
    )
    enroller.enrol(
        enroller.student(org_tree.county_school, "张卫"),
        duplicate_faces.gallery(chip=faces.photo("cnceleb_106", 1), frames=[faces.photo(FRAUDSTER, 4)], seed=21),
        chip=second_chip,
        live=live,
    )
    return DuplicateCase.objects.get()


def test_office_list_shows_case(org_tree, login, case):
    response = login(org_tree.users["county"]).get(reverse("duplicates:case_list"))
    assert response.status_code == 200
    assert "张卫" in response.content.decode()


def test_office_above_lists_case(org_tree, login, case):
    response = login(org_tree.users["city"]).get(reverse("duplicates:case_list"))
    assert "张卫" in response.content.decode()


def test_other_office_list_hides_case(org_tree, login, case):
    response = login(org_tree.users["other_county"]).get(reverse("duplicates:case_list"))
    assert response.status_code == 200
    assert "张卫" not in response.content.decode()


def test_list_filters_by_status(org_tree, login, case):
    client = login(org_tree.users["county"])
    cleared = client.get(reverse("duplicates:case_list"), {"status": "cleared"})
    assert "张卫" not in cleared.content.decode()


def test_detail_shows_both_students(org_tree, login, case):
    response = login(org_tree.users["county"]).get(reverse("duplicates:case_detail", args=[case.pk]))
    page = response.content.decode()
    assert "张伟" in page
    assert "张卫" in page
    assert f">{case.similarity}<" in page


def test_detail_outside_jurisdiction_404(org_tree, login, case):
    response = login(org_tree.users["other_county"]).get(reverse("duplicates:case_detail", args=[case.pk]))
    assert response.status_code == 404


def test_detail_for_school_operator_forbidden(org_tree, login, case):
    response = login(org_tree.users["operator"]).get(reverse("duplicates:case_detail", args=[case.pk]))
    assert response.status_code == 403


def test_photo_served_and_audited(org_tree, login, case, faces):
    from aidface.audit.models import AuditEntry

    url = reverse("duplicates:case_photo", args=[case.pk, "matched", "chip"])
    response = login(org_tree.users["county"]).get(url)
    assert response.status_code == 200
    assert response.content == duplicate_faces.chip_photo(faces.photo(FRAUDSTER, 2))
    assert response["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="duplicate_case.photo_view", target_id=str(case.pk)).count() == 1


def test_photo_outside_jurisdiction_404(org_tree, login, case):
    url = reverse("duplicates:case_photo", args=[case.pk, "student", "live"])
    response = login(org_tree.users["other_county"]).get(url)
    assert response.status_code == 404


def test_unknown_photo_side_404(org_tree, login, case):
    url = reverse("duplicates:case_photo", args=[case.pk, "nobody", "chip"])
    assert login(org_tree.users["county"]).get(url).status_code == 404


def test_decide_by_form(org_tree, login, case):
    client = login(org_tree.users["county"])
    response = client.post(
        reverse("duplicates:case_decide", args=[case.pk]), {"decision": "clear", "comment": "双胞胎，户口簿可证。"}
    )
    case.refresh_from_db()
    assert response.status_code == 302
    assert case.status == "cleared"


def test_decide_without_comment_rejected(org_tree, login, case):
    client = login(org_tree.users["county"])
    response = client.post(reverse("duplicates:case_decide", args=[case.pk]), {"decision": "confirm", "comment": ""})
    case.refresh_from_db()
    assert response.status_code == 400
    assert case.status == "open"


def test_decide_outside_jurisdiction_404(org_tree, login, case):
    client = login(org_tree.users["other_county"])
    response = client.post(reverse("duplicates:case_decide", args=[case.pk]), {"decision": "clear", "comment": "兄弟。"})
    case.refresh_from_db()
    assert response.status_code == 404
    assert case.status == "open"


def test_school_sees_status(org_tree, login, case):
    response = login(org_tree.users["operator"]).get(reverse("duplicates:school_cases"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "张卫" in page
    assert "暂停，等待核查" in page


def test_other_school_sees_nothing(org_tree, login, case):
    response = login(org_tree.users["other_principal"]).get(reverse("duplicates:school_cases"))
    assert "张卫" not in response.content.decode()


def test_school_list_for_office_forbidden(org_tree, login, case):
    assert login(org_tree.users["county"]).get(reverse("duplicates:school_cases")).status_code == 403


def test_navigation_links_per_role(org_tree, login, case):
    office_page = login(org_tree.users["county"]).get(reverse("home")).content.decode()
    assert reverse("duplicates:case_list") in office_page
