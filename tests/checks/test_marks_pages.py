"""Mark and month-result pages: the school marks, the office reads and downloads, scope gives 404."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import checks_support
from aidface.audit.models import AuditEntry
from aidface.checks import marks, results
from aidface.checks.models import Mark, MonthResult, MonthState, Participant, ParticipantStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
IN_MARCH = datetime(2026, 3, 20, 9, 0, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def in_march():
    import time_machine

    with time_machine.travel(IN_MARCH, tick=True):
        yield


@pytest.fixture
def students(org_tree):
    school = org_tree.county_school
    return [
        checks_support.make_student(school, name="陈晓明", sequence="123"),
        checks_support.make_student(school, name="李华", sequence="124"),
        checks_support.make_student(school, name="王芳", sequence="125"),
    ]


def login(client, user):
    client.force_login(user, backend=BACKEND)
    return client


def test_mark_new_page_lists_students_masked(client, org_tree, students):
    response = login(client, org_tree.users["operator"]).get("/checks/marks/new/")
    assert response.status_code == 200
    page = response.content.decode()
    assert students[0].masked_id_number in page
    assert students[0].id_number not in page
    assert "2026年3月" in page
    assert "2026年5月" in page
    assert AuditEntry.objects.filter(action="mark.student_list").count() == 1


def test_mark_several_students_with_attachment(client, org_tree, students):
    login(client, org_tree.users["operator"])
    response = client.post(
        "/checks/marks/new/",
        {
            "month": "2026-03",
            "students": [students[0].pk, students[1].pk],
            "reason": "training",
            "note": "3月全月校外实训",
            "attachment": SimpleUploadedFile("实训通知.pdf", PDF, content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/checks/marks/"
    created = Mark.objects.filter(year=2026, month=3).order_by("student_id")
    assert [item.student_id for item in created] == [students[0].pk, students[1].pk]
    assert all(item.attachment_type == "application/pdf" for item in created)
    states = dict(MonthResult.objects.filter(year=2026, month=3).values_list("student_id", "state"))
    assert states == {students[0].pk: MonthState.MARKED_PASS, students[1].pk: MonthState.MARKED_PASS}
    assert AuditEntry.objects.filter(action="mark.create").count() == 2


def test_mark_page_reports_per_student_errors(client, org_tree, students):
    marks.mark_student(user=org_tree.users["operator"], student=students[0], year=2026, month=3, reason="leave", note="病假")
    login(client, org_tree.users["operator"])
    response = client.post(
        "/checks/marks/new/",
        {"month": "2026-03", "students": [students[0].pk, students[1].pk], "reason": "leave", "note": "病假"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "陈晓明：" in page
    assert "已有标示" in page
    assert "已为 1 名学生标示通过" in page
    assert Mark.objects.filter(student=students[1]).exists()


def test_mark_page_rejects_unoffered_month(client, org_tree, students):
    login(client, org_tree.users["operator"])
    response = client.post(
        "/checks/marks/new/", {"month": "2026-02", "students": [students[0].pk], "reason": "leave", "note": "病假"}
    )
    assert response.status_code == 200
    assert not Mark.objects.exists()


def test_mark_page_only_for_operator(client, org_tree):
    assert login(client, org_tree.users["county"]).get("/checks/marks/new/").status_code == 403
    assert login(client, org_tree.users["principal"]).get("/checks/marks/new/").status_code == 403


def test_office_reads_marks_and_downloads_attachment(client, org_tree, students):
    created = marks.mark_student(
        user=org_tree.users["operator"], student=students[0], year=2026, month=3, reason="leave", note="病假",
        attachment=marks.Attachment(name="请假条.pdf", content=PDF),
    )
    login(client, org_tree.users["county"])
    page = client.get("/checks/marks/").content.decode()
    assert "陈晓明" in page
    assert students[0].masked_id_number in page
    assert "撤销</button>" not in page

    response = client.get(f"/checks/marks/{created.pk}/attachment/")
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store, private"
    entry = AuditEntry.objects.get(action="mark.attachment_view")
    assert entry.target_id == str(created.pk)

    assert client.post(f"/checks/marks/{created.pk}/withdraw/").status_code == 403


def test_mark_attachment_outside_scope_is_404(client, org_tree, students):
    created = marks.mark_student(
        user=org_tree.users["operator"], student=students[0], year=2026, month=3, reason="leave", note="病假",
        attachment=marks.Attachment(name="请假条.pdf", content=PDF),
    )
    login(client, org_tree.users["other_county"])
    assert client.get(f"/checks/marks/{created.pk}/attachment/").status_code == 404
    assert "陈晓明" not in client.get("/checks/marks/").content.decode()


def test_operator_withdraws_mark_from_list(client, org_tree, students):
    created = marks.mark_student(user=org_tree.users["operator"], student=students[0], year=2026, month=3, reason="leave", note="病假")
    login(client, org_tree.users["operator"])
    assert "撤销</button>" in client.get("/checks/marks/").content.decode()
    response = client.post(f"/checks/marks/{created.pk}/withdraw/")
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.withdrawn_at is not None
    assert MonthResult.objects.get(student=students[0], month=3).state == MonthState.NOT_REQUIRED


def test_month_results_page_counts_and_filters(client, org_tree, students):
    check = checks_support.make_check(
        office=org_tree.gongyi,
        schools=[org_tree.county_school],
        students=students,
        launched_by=org_tree.users["county"],
        starts_at=datetime(2026, 3, 10, 9, tzinfo=SHANGHAI),
    )
    Participant.objects.filter(check_record=check, student=students[0]).update(status=ParticipantStatus.PASSED)
    Participant.objects.filter(check_record=check, student=students[1]).update(status=ParticipantStatus.FAILED)
    results.recompute_month(school_ids=None, year=2026, month=3)

    login(client, org_tree.users["county"])
    page = client.get("/checks/results/").content.decode()
    assert '<td data-state="normal">1</td>' in page
    assert '<td data-state="failed">1</td>' in page
    assert '<td data-state="absent">1</td>' in page
    assert students[0].masked_id_number in page
    assert students[0].id_number not in page

    filtered = client.get("/checks/results/", {"state": "failed", "month": 3}).content.decode()
    assert "李华" in filtered
    assert "陈晓明" not in filtered
    assert AuditEntry.objects.filter(action="month_result.view").count() == 2


def test_month_results_page_scope(client, org_tree, students):
    results.recompute_month(school_ids=None, year=2026, month=3)
    stranger = checks_support.make_student(org_tree.other_county_school, name="外县学生", sequence="777")
    results.recompute_month(school_ids=[org_tree.other_county_school.pk], year=2026, month=3)
    assert MonthResult.objects.filter(student=stranger).exists()

    principal_page = login(client, org_tree.users["principal"]).get("/checks/results/").content.decode()
    assert "陈晓明" in principal_page
    assert "外县学生" not in principal_page
    assert login(client, org_tree.users["student"]).get("/checks/results/").status_code == 403
