"""Reconciliation with the provincial filing platform's export: differences, missing records, the .xlsx report."""
import io
from datetime import date

import pytest
from internships_support import MODEL_BACKEND, NOW
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aidface.audit.models import AuditEntry
from aidface.internships import sheet_services
from aidface.internships.models import Reconciliation
from aidface.internships.reading import SheetFileError
from enrolment_support import make_student

PLATFORM_HEADERS = ["序号", "学生姓名", "身份证号码", "实习单位名称", "实习开始时间", "实习结束时间", "企业指导教师", "企业指导教师电话"]


def platform_xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["河南省职业院校实习备案管理平台 岗位实习学生名单"])
    sheet.append(PLATFORM_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def third_student(org_tree):
    return make_student(org_tree.county_school, name="周小川", birth="20070303", sequence="244")


@pytest.fixture
def setup(org_tree, student, other_student, third_student, make_record):
    """Build the platform rows against the school's records.

    `student` differs in company and phone. `other_student` is missing on the platform.
    `third_student` has only a draft here, and a fourth person exists only on the platform.
    """
    matched = make_record(student, file=True)
    missing = make_record(other_student, file=True, company="洛阳一拖股份有限公司", start_date="2026-05-01", end_date="2026-05-31")
    make_record(third_student)
    outsider = make_student(org_tree.county_school_2, name="吴倩", birth="20070404", sequence="255")
    rows = [
        [1, student.name, student.id_number, "郑州宇通客车有限公司", "2026-04-01", "2026/06/30", "王建国", "13838112234"],
        [2, third_student.name, third_student.id_number, "新乡化纤股份有限公司", "2026-04-01", "2026-06-30", "陈刚", "13700001111"],
        [3, outsider.name, outsider.id_number, "许继集团有限公司", date(2026, 4, 2), date(2026, 6, 1), "刘洋", "0374-3212345"],
        [4, "无效行", "41018120070101", "某公司", "2026-04-01", "2026-06-30", "张三", "13800000000"],
    ]
    return {"matched": matched, "missing": missing, "rows": rows, "outsider": outsider}


def test_reconciliation_counts_and_rows(operator, student, other_student, third_student, setup):
    reconciliation = sheet_services.run_reconciliation(
        user=operator, school=student.school, content=platform_xlsx(setup["rows"]), file_name="平台导出.xlsx", now=NOW
    )
    assert reconciliation.counts == {
        "matched": 0,
        "mismatch": 1,
        "missing_on_platform": 1,
        "missing_here": 2,
        "unreadable": 1,
        "skipped_fields": [],
    }
    by_status = {}
    for row in reconciliation.rows:
        by_status.setdefault(row["status"], []).append(row)
    mismatch = by_status["mismatch"][0]
    assert mismatch["name"] == student.name
    assert mismatch["masked_id_number"] == student.masked_id_number
    assert mismatch["differences"] == [
        {"label": "实习单位", "ours": "郑州宇通客车股份有限公司", "platform": "郑州宇通客车有限公司"},
        {"label": "负责人联系方式", "ours": "13838112233", "platform": "13838112234"},
    ]
    assert by_status["missing_on_platform"][0]["record_id"] == setup["missing"].pk
    assert {row["name"] for row in by_status["missing_here"]} == {third_student.name, setup["outsider"].name}
    assert by_status["unreadable"][0]["platform_row"] == 6
    for row in reconciliation.rows:
        assert student.id_number not in str(row)
    assert AuditEntry.objects.get(action="internship.reconcile").detail["counts"]["mismatch"] == 1


def test_report_cells(client, operator, student, other_student, third_student, setup):
    reconciliation = sheet_services.run_reconciliation(
        user=operator, school=student.school, content=platform_xlsx(setup["rows"]), file_name="平台导出.xlsx", now=NOW
    )
    client.force_login(operator, backend=MODEL_BACKEND)
    response = client.get(reverse("internships:reconciliation_report", args=[reconciliation.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["核对结果", "汇总"]

    rows = [list(row) for row in book["核对结果"].iter_rows(values_only=True)]
    outsider = setup["outsider"]
    assert rows[0] == ["序号", "核对结果", "实习人姓名", "身份证号", "差异项", "本系统", "备案平台", "平台文件行号", "说明"]
    expected = sorted(
        [
            ["信息不一致", student.name, student.id_number, "实习单位", "郑州宇通客车股份有限公司", "郑州宇通客车有限公司", 3, None],
            ["信息不一致", student.name, student.id_number, "负责人联系方式", "13838112233", "13838112234", 3, None],
            ["备案平台缺少", other_student.name, other_student.id_number, None, None, None, None, "本系统已备案：洛阳一拖股份有限公司，2026-05-01 至 2026-05-31"],
            ["本系统缺少", third_student.name, third_student.id_number, None, None, None, 4, "备案平台记录：新乡化纤股份有限公司，2026-04-01，2026-06-30"],
            ["本系统缺少", outsider.name, outsider.id_number, None, None, None, 5, "备案平台记录：许继集团有限公司，2026-04-02，2026-06-01"],
            ["平台数据无法核对", "无效行", None, None, None, None, 6, "身份证号应为 18 位，这里是 14 位"],
        ],
        key=lambda row: (row[0], row[1], row[3] or ""),
    )
    body = sorted([row[1:] for row in rows[1:]], key=lambda row: (row[0], row[1], row[3] or ""))
    assert body == expected
    # Mismatch rows of one student share a number; the numbers run 1..5 over the problems.
    assert sorted({row[0] for row in rows[1:]}) == [1, 2, 3, 4, 5]
    for row_cells in book["核对结果"].iter_rows(min_row=2, min_col=4, max_col=4):
        assert row_cells[0].number_format == "@"

    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert summary == {
        "学校": student.school.name,
        "平台导出文件": "平台导出.xlsx",
        "一致": 0,
        "信息不一致": 1,
        "备案平台缺少": 1,
        "本系统缺少": 2,
        "平台数据无法核对": 1,
        "核对项目": "实习单位、实习开始日期、实习结束日期、负责人、负责人联系方式",
    }
    assert AuditEntry.objects.filter(action="internship.report_export").count() == 1


def test_matching_export_reports_all_matched(operator, student, make_record):
    make_record(student, file=True)
    row = [1, student.name, student.id_number, "郑州宇通客车股份有限公司", "2026-04-01", "2026-06-30", "王 建国", "138 3811 2233"]
    reconciliation = sheet_services.run_reconciliation(
        user=operator, school=student.school, content=platform_xlsx([row]), file_name="p.xlsx", now=NOW
    )
    assert reconciliation.counts["matched"] == 1
    assert reconciliation.rows == []


def test_csv_export_with_date_difference_and_missing_column(operator, student, make_record):
    make_record(student, file=True)
    text = "身份证号,姓名,实习单位,开始日期,结束日期\n" f"{student.id_number},{student.name},郑州宇通客车股份有限公司,2026-04-01,2026-07-15\n"
    reconciliation = sheet_services.run_reconciliation(
        user=operator, school=student.school, content=text.encode("gb18030"), file_name="p.csv", now=NOW
    )
    assert reconciliation.counts["mismatch"] == 1
    assert reconciliation.counts["skipped_fields"] == ["supervisor_name", "supervisor_phone"]
    assert reconciliation.rows[0]["differences"] == [{"label": "实习结束日期", "ours": "2026-06-30", "platform": "2026-07-15"}]


def test_two_internships_pair_by_start_date(operator, student, make_record):
    make_record(student, file=True, start_date="2026-04-01", end_date="2026-04-30")
    make_record(student, file=True, start_date="2026-05-10", end_date="2026-06-30", company="许继集团有限公司")
    rows = [
        [1, student.name, student.id_number, "许继集团有限公司", "2026-05-10", "2026-06-30", "王建国", "13838112233"],
        [2, student.name, student.id_number, "郑州宇通客车股份有限公司", "2026-04-01", "2026-04-30", "王建国", "13838112233"],
    ]
    reconciliation = sheet_services.run_reconciliation(
        user=operator, school=student.school, content=platform_xlsx(rows), file_name="p.xlsx", now=NOW
    )
    assert reconciliation.counts["matched"] == 2
    assert reconciliation.rows == []


def test_file_without_id_column_changes_nothing(operator, student):
    book = Workbook()
    book.active.append(["姓名", "实习单位"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(SheetFileError) as caught:
        sheet_services.run_reconciliation(user=operator, school=student.school, content=buffer.getvalue(), file_name="p.xlsx", now=NOW)
    assert caught.value.message == "在文件前 20 行中没有找到表头，表头至少要有“身份证号”列。"
    assert not Reconciliation.objects.exists()


def test_reconciliation_pages_and_scope(client, org_tree, operator, student, setup):
    client.force_login(operator, backend=MODEL_BACKEND)
    upload = io.BytesIO(platform_xlsx(setup["rows"]))
    upload.name = "平台导出.xlsx"
    response = client.post(reverse("internships:reconcile"), {"file": upload})
    reconciliation = Reconciliation.objects.get()
    assert response["Location"] == reverse("internships:reconciliation", args=[reconciliation.pk])
    page = client.get(response["Location"]).content.decode()
    assert "实习单位：本系统“郑州宇通客车股份有限公司”，平台“郑州宇通客车有限公司”" in page
    assert student.id_number not in page

    client.force_login(org_tree.users["county"], backend=MODEL_BACKEND)
    assert client.get(reverse("internships:reconciliation", args=[reconciliation.pk])).status_code == 200
    for key in ("other_county", "other_principal"):
        client.force_login(org_tree.users[key], backend=MODEL_BACKEND)
        assert client.get(reverse("internships:reconciliation", args=[reconciliation.pk])).status_code == 404
        assert client.get(reverse("internships:reconciliation_report", args=[reconciliation.pk])).status_code == 404
    client.force_login(org_tree.users["principal"], backend=MODEL_BACKEND)
    upload.seek(0)
    assert client.post(reverse("internships:reconcile"), {"file": upload}).status_code == 403
    assert Reconciliation.objects.count() == 1
