"""Import of internship records from .xlsx: preview, rejections that change nothing, confirmation with history."""
import io
from datetime import date

import pytest
from internships_support import MODEL_BACKEND, NOW
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aidface.audit.models import AuditEntry
from aidface.internships import sheet_services
from aidface.internships.errors import InternshipError
from aidface.internships.models import ImportStatus, InternshipChange, InternshipImport, InternshipRecord
from aidface.internships.reading import SheetFileError

HEADERS = ["实习人姓名", "身份证号", "年级", "班级", "实习单位", "实习地点", "负责人", "负责人联系方式", "实习开始日期", "实习结束日期"]


def row_for(student, **changes) -> list:
    values = {
        "实习人姓名": student.name,
        "身份证号": student.id_number,
        "年级": "2024级",
        "班级": "数控2班",
        "实习单位": "郑州宇通客车股份有限公司",
        "实习地点": "河南省郑州市管城回族区宇通路 6 号",
        "负责人": "王建国",
        "负责人联系方式": "13838112233",
        "实习开始日期": date(2026, 4, 1),
        "实习结束日期": date(2026, 6, 30),
    }
    values.update(changes)
    return [values[header] for header in HEADERS]


def workbook(rows: list[list], *, headers=HEADERS, title_rows: int = 0) -> bytes:
    book = Workbook()
    sheet = book.active
    for index in range(title_rows):
        sheet.append([f"2026 年岗位实习名单（第 {index + 1} 行标题）"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview(student, content: bytes):
    return sheet_services.preview(school=student.school, content=content, file_name="实习名单.xlsx", now=NOW)


def test_preview_adds_valid_rows_and_writes_nothing(student, other_student):
    content = workbook([row_for(student), row_for(other_student, 实习单位="洛阳一拖股份有限公司")], title_rows=2)
    plan = preview(student, content)
    assert plan.counts == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert [row.row_number for row in plan.added] == [4, 5]
    assert plan.added[1].values["company"] == "洛阳一拖股份有限公司"
    assert not InternshipRecord.objects.exists()


def test_rejected_rows_list_every_reason(student, other_student, foreign_student):
    content = workbook(
        [
            row_for(student, 负责人联系方式="12345678", 实习单位=None),
            row_for(other_student, 实习人姓名="钱小梅", 实习结束日期=date(2026, 3, 1)),
            row_for(foreign_student),
            row_for(student, 身份证号=int(student.id_number[:17])),
        ]
    )
    plan = preview(student, content)
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 0, "rejected": 4}
    first, second, third, fourth = plan.rejected
    assert first.row_number == 2
    assert first.reasons == (
        "请填写实习单位",
        "负责人联系方式“12345678”不是有效的手机号，手机号应为以 13–19 开头的 11 位数字",
    )
    assert second.reasons == (
        "实习人姓名“钱小梅”与名册中该身份证号的姓名“钱晓梅”不一致，请核对",
        "实习结束日期 2026-03-01 早于开始日期 2026-04-01，请核对",
    )
    assert third.reasons == (
        f"本校名册中没有身份证号为 {foreign_student.masked_id_number} 的学生，请核对身份证号，或先在学生名册中导入该学生",
    )
    assert fourth.reasons[0].startswith("身份证号是数字格式")
    assert not InternshipRecord.objects.exists()


def test_overlapping_rows_in_one_file(student):
    content = workbook([row_for(student), row_for(student, 实习开始日期=date(2026, 5, 1), 实习结束日期=date(2026, 7, 31))])
    plan = preview(student, content)
    assert plan.counts["added"] == 1
    assert plan.rejected[0].row_number == 3
    assert plan.rejected[0].reasons == ("与第 2 行是同一学生，实习时间重叠，请保留正确的一行",)


def test_missing_column_rejects_file(operator, student):
    content = workbook([row_for(student)[:7]], headers=HEADERS[:7])
    with pytest.raises(SheetFileError) as caught:
        sheet_services.upload_import(user=operator, school=student.school, content=content, file_name="实习名单.xlsx")
    assert caught.value.message == "表头缺少必填列：“负责人联系方式”、“实习开始日期”、“实习结束日期”。请使用本页提供的模板，或补齐这些列后重新上传。"
    assert not InternshipImport.objects.exists()
    assert not AuditEntry.objects.filter(action="internship.upload").exists()


@pytest.mark.parametrize(
    ("content", "file_name", "message"),
    [
        (b"\xd0\xcf\x11\xe0old", "a.xls", "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传。"),
        (b"not a workbook", "a.xlsx", "文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请重新导出。"),
        ("身份证号\n".encode(), "a.csv", "只能上传 .xlsx 文件，请用本页提供的模板填写。"),
    ],
)
def test_unreadable_files_rejected(operator, student, content, file_name, message):
    with pytest.raises(SheetFileError) as caught:
        sheet_services.upload_import(user=operator, school=student.school, content=content, file_name=file_name)
    assert caught.value.message == message
    assert not InternshipImport.objects.exists()


def test_confirm_adds_drafts_and_updates_with_history(operator, student, other_student, make_record):
    existing = make_record(student, file=True)
    content = workbook(
        [
            row_for(student, 实习单位="郑州宇通重工有限公司", 负责人="李强"),
            row_for(other_student),
        ]
    )
    upload = sheet_services.upload_import(user=operator, school=student.school, content=content, file_name="实习名单.xlsx")
    plan = sheet_services.plan_of(upload, now=NOW)
    assert plan.counts == {"added": 1, "updated": 1, "unchanged": 0, "rejected": 0}
    assert plan.updated[0].changed_labels == "实习单位、负责人"
    assert InternshipRecord.objects.count() == 1

    sheet_services.confirm_import(user=operator, upload=upload, now=NOW)
    existing.refresh_from_db()
    assert existing.company == "郑州宇通重工有限公司"
    assert existing.status == "filed"
    change = InternshipChange.objects.get(record=existing)
    assert change.fields == ["company", "supervisor_name"]
    assert change.before == {"company": "郑州宇通客车股份有限公司", "supervisor_name": "王建国"}
    assert change.after_filing is True
    added = InternshipRecord.objects.get(student=other_student)
    assert added.status == "draft"
    assert added.supervisor_phone == "13838112233"
    upload.refresh_from_db()
    assert upload.status == ImportStatus.CONFIRMED
    assert upload.content is None
    entry = AuditEntry.objects.get(action="internship.import")
    assert entry.detail["counts"] == {"added": 1, "updated": 1, "unchanged": 0, "rejected": 0}


def test_import_cannot_change_dates_of_filed_record(operator, student, make_record):
    make_record(student, file=True)
    content = workbook([row_for(student, 实习结束日期=date(2026, 7, 31))])
    plan = preview(student, content)
    assert plan.counts["rejected"] == 1
    assert plan.rejected[0].reasons == ("该实习记录已备案，不能通过导入修改实习结束日期；如确需修改，请联系同级资助部门退回后再改",)


def test_same_file_twice_changes_nothing(operator, student):
    content = workbook([row_for(student)])
    upload = sheet_services.upload_import(user=operator, school=student.school, content=content, file_name="a.xlsx")
    sheet_services.confirm_import(user=operator, upload=upload, now=NOW)
    again = sheet_services.upload_import(user=operator, school=student.school, content=content, file_name="a.xlsx")
    plan = sheet_services.plan_of(again, now=NOW)
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 1, "rejected": 0}
    with pytest.raises(InternshipError) as caught:
        sheet_services.confirm_import(user=operator, upload=again, now=NOW)
    assert caught.value.code == "nothing_to_import"
    assert InternshipRecord.objects.count() == 1


def test_discard_changes_nothing(operator, student):
    upload = sheet_services.upload_import(user=operator, school=student.school, content=workbook([row_for(student)]), file_name="a.xlsx")
    sheet_services.discard_import(user=operator, upload=upload)
    upload.refresh_from_db()
    assert upload.status == ImportStatus.DISCARDED
    assert upload.content is None
    assert not InternshipRecord.objects.exists()
    with pytest.raises(InternshipError):
        sheet_services.confirm_import(user=operator, upload=upload, now=NOW)


def test_import_pages(client, org_tree, operator, student):
    client.force_login(operator, backend=MODEL_BACKEND)
    template = client.get(reverse("internships:import_template"))
    assert template.status_code == 200
    headers = [cell.value for cell in load_workbook(io.BytesIO(template.content)).active[1]]
    assert headers[:2] == ["实习人姓名", "身份证号"]
    assert "纬度（选填）" in headers

    upload = io.BytesIO(workbook([row_for(student, 负责人联系方式="abc")]))
    upload.name = "名单.xlsx"
    response = client.post(reverse("internships:import"), {"file": upload})
    pending = InternshipImport.objects.get()
    assert response["Location"] == reverse("internships:import_preview", args=[pending.pk])
    page = client.get(response["Location"]).content.decode()
    assert "负责人联系方式“abc”格式不正确" in page
    assert 'id="nothing-to-import"' in page
    assert student.id_number not in page
    assert AuditEntry.objects.filter(action="internship.preview").count() == 1

    client.force_login(org_tree.users["other_principal"], backend=MODEL_BACKEND)
    assert client.get(reverse("internships:import_preview", args=[pending.pk])).status_code == 404
    assert not InternshipRecord.objects.exists()
