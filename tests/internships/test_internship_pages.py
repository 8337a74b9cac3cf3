"""The internship pages: form messages per field, detail with history, filing, return, scope and the list."""
from datetime import timedelta

import pytest
from internships_support import MODEL_BACKEND, local_today, raw_fields
from django.urls import reverse

from aidface.audit.models import AuditEntry
from aidface.internships import services
from aidface.internships.models import InternshipRecord


@pytest.fixture
def future_raw(student):
    start = local_today() + timedelta(days=10)
    return raw_fields(student, start_date=start.isoformat(), end_date=(start + timedelta(days=60)).isoformat())


def login(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def test_create_page_shows_each_field_message(client, operator, student):
    login(client, operator)
    response = client.post(reverse("internships:create"), raw_fields(student, company="", supervisor_phone="12345", end_date="2026-01-01"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="error" id="error-company">请填写实习单位</span>' in page
    assert "负责人联系方式“12345”不是有效的手机号" in page
    assert '<span class="error" id="error-end_date">实习结束日期 2026-01-01 早于开始日期 2026-04-01，请核对</span>' in page
    assert not InternshipRecord.objects.exists()


def test_create_edit_file_through_pages(client, operator, student, future_raw):
    login(client, operator)
    response = client.post(reverse("internships:create"), future_raw)
    record = InternshipRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("internships:detail", args=[record.pk])

    response = client.post(reverse("internships:file", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "filed"

    edit = {key: value for key, value in future_raw.items() if key not in ("name", "id_number")}
    edit["company"] = "洛阳一拖股份有限公司"
    response = client.post(reverse("internships:edit", args=[record.pk]), edit)
    assert response.status_code == 302
    page = client.get(reverse("internships:detail", args=[record.pk])).content.decode()
    assert "已备案（未开始）" in page
    assert '<table class="data" id="history">' in page
    assert "郑州宇通客车股份有限公司" in page
    assert "洛阳一拖股份有限公司" in page
    assert "第 2 版（备案后）" in page
    assert student.id_number not in page
    assert student.masked_id_number in page


def test_edit_page_of_filed_record_disables_dates(client, operator, student, future_raw):
    record = services.create_record(user=operator, school=student.school, raw=future_raw)
    services.file_record(user=operator, record=record)
    login(client, operator)
    edit = {key: value for key, value in future_raw.items() if key not in ("name", "id_number")}
    edit["start_date"] = "2030-01-01"
    client.post(reverse("internships:edit", args=[record.pk]), edit)
    record.refresh_from_db()
    assert record.start_date.isoformat() == future_raw["start_date"]
    page = client.get(reverse("internships:edit", args=[record.pk])).content.decode()
    assert 'name="start_date"' in page
    assert "disabled" in page


def test_file_page_refuses_on_start_date(client, operator, student):
    today = local_today()
    record = services.create_record(
        user=operator, school=student.school, raw=raw_fields(student, start_date=today.isoformat(), end_date=(today + timedelta(days=30)).isoformat())
    )
    login(client, operator)
    response = client.post(reverse("internships:file", args=[record.pk]), follow=True)
    page = response.content.decode()
    assert f"实习开始日期为 {today:%Y-%m-%d}，须在开始日期之前向同级资助部门备案" in page
    record.refresh_from_db()
    assert record.status == "draft"


def test_office_returns_through_page(client, org_tree, operator, student, future_raw):
    record = services.create_record(user=operator, school=student.school, raw=future_raw)
    services.file_record(user=operator, record=record)
    county = login(client, org_tree.users["county"])
    page = county.get(reverse("internships:detail", args=[record.pk])).content.decode()
    assert "退回学校修改" in page
    county.post(reverse("internships:return", args=[record.pk]), {"comment": "负责人电话无法接通"})
    record.refresh_from_db()
    assert record.status == "draft"

    login(client, operator)
    page = client.get(reverse("internships:detail", args=[record.pk])).content.decode()
    assert "已退回" in page
    assert "负责人电话无法接通" in page


def test_office_above_sees_no_return_button(client, org_tree, operator, student, future_raw):
    record = services.create_record(user=operator, school=student.school, raw=future_raw)
    services.file_record(user=operator, record=record)
    login(client, org_tree.users["city"])
    page = client.get(reverse("internships:detail", args=[record.pk])).content.decode()
    assert "退回学校修改" not in page
    response = client.post(reverse("internships:return", args=[record.pk]), {"comment": "请核实"})
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == "filed"


@pytest.mark.parametrize("key", ["other_county", "other_principal"])
def test_pages_outside_scope_give_404(client, org_tree, operator, student, future_raw, key):
    record = services.create_record(user=operator, school=student.school, raw=future_raw)
    services.file_record(user=operator, record=record)
    login(client, org_tree.users[key])
    for name in ("detail", "edit", "file", "return"):
        method = client.get if name in ("detail", "edit") else client.post
        response = method(reverse(f"internships:{name}", args=[record.pk]))
        assert response.status_code in (403, 404), name
        if name in ("detail", "file", "return"):
            assert response.status_code == 404, name


def test_student_and_terminal_cannot_open_list(client, org_tree):
    for key in ("student", "terminal"):
        login(client, org_tree.users[key])
        assert client.get(reverse("internships:list")).status_code == 403


def test_list_shows_missing_confirmation(client, operator, student, other_student, future_raw):
    record = services.create_record(user=operator, school=student.school, raw=future_raw)
    confirmed = services.create_record(user=operator, school=student.school, raw={**future_raw, "name": other_student.name, "id_number": other_student.id_number})
    InternshipRecord.objects.filter(pk=confirmed.pk).update(confirmed_at=confirmed.created_at)
    login(client, operator)
    page = client.get(reverse("internships:list")).content.decode()
    assert "有 1 名实习学生尚未在终端机完成离校前确认" in page
    assert page.count('<span class="error">未确认</span>') == 1
    missing_only = client.get(reverse("internships:list"), {"confirmation": "missing"}).content.decode()
    assert reverse("internships:detail", args=[record.pk]) in missing_only
    assert reverse("internships:detail", args=[confirmed.pk]) not in missing_only
    assert AuditEntry.objects.filter(action="internship.view").count() == 2


def test_navigation_lists_internship_pages(client, org_tree):
    login(client, org_tree.users["operator"])
    page = client.get(reverse("internships:list")).content.decode()
    assert f'href="{reverse("internships:list")}"' in page
    login(client, org_tree.users["terminal"])
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("internships:terminal")}"' in home
