"""Reconciliation against a national-system roster file: missing students on either side and mismatches."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

import eligibility_support as support
import enrolment_faces
from aidface.audit.models import AuditEntry
from aidface.checks.models import MonthState
from aidface.eligibility.services import recompute_eligibility


@pytest.fixture
def planted(org_tree):
    same = support.student(org_tree.county_school, name="一致生")
    support.enrol(same)
    support.month_results(same, [MonthState.NORMAL, MonthState.NORMAL, MonthState.NORMAL])
    renamed = support.student(org_tree.county_school, name="改名生")
    support.enrol(renamed)
    support.month_results(renamed, [MonthState.NORMAL, MonthState.NORMAL, MonthState.NORMAL])
    cancelled = support.student(org_tree.county_school, name="取消生")
    support.enrol(cancelled)
    support.month_results(cancelled, [MonthState.FAILED, MonthState.FAILED, MonthState.NORMAL])
    missing = support.student(org_tree.county_school_2, name="漏报生")
    not_aided = support.student(org_tree.county_school_2, name="非受助生", aided=False)
    outside = support.student(org_tree.other_county_school, name="外县生")
    recompute_eligibility(semester=support.spring_2026(), now=support.IN_MAY)
    return {"same": same, "renamed": renamed, "cancelled": cancelled, "missing": missing,
            "not_aided": not_aided, "outside": outside}


def national_file(rows, *, title_rows=1, headers=("学生姓名", "身份证件号码", "学校代码", "受助状态")) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["全国学生资助管理信息系统 中职学生名单"])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    for row in sheet.iter_rows(min_row=title_rows + 2):
        row[1].number_format = "@"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, user, content, *, name="全国系统名单.xlsx", **fields):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    data = {"semester": support.spring_2026().pk, "file": SimpleUploadedFile(name, content), **fields}
    return client.post(reverse("reports:reconcile"), data)


def sheet_rows(workbook, name):
    return [[cell.value for cell in row] for row in workbook[name].iter_rows(min_row=2)]


def test_reconciliation_report(client, org_tree, planted):
    stranger = enrolment_faces.id_number(region="410181", birth="20090101", sequence="555")
    content = national_file([
        ("一致生", planted["same"].id_number, "4141000003", "受助"),
        ("改名前", planted["renamed"].id_number, "4141000003", "拟受助"),
        ("取消生", planted["cancelled"].id_number, "4141000003", "受助"),
        ("陌生人", stranger, "4141000004", "受助"),
        ("坏号码", "41018120090101", "4141000004", "受助"),
        ("非受助生", planted["not_aided"].id_number, "4141000004", "非受助"),
        ("外县生", planted["outside"].id_number, "4141000005", "受助"),
    ])
    response = upload(client, org_tree.users["county"], content)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["核对汇总", "全国系统有本系统无", "本系统有全国系统无", "信息不一致", "无法识别的行"]

    summary = dict((row[0], row[1]) for row in sheet_rows(workbook, "核对汇总"))
    assert summary["全国系统名单行数"] == 7
    assert summary["双方一致匹配的学生"] == 4
    assert summary["全国系统有、本系统无"] == 2
    assert summary["本系统有（受助或拟受助）、全国系统无"] == 1
    assert summary["信息或状态不一致"] == 3
    assert summary["无法识别的行"] == 1

    # The student of another county is outside the county office's records, so it counts as missing here.
    assert sheet_rows(workbook, "全国系统有本系统无") == [
        [6, "4141000004", "陌生人", stranger, "受助"],
        [9, "4141000005", "外县生", planted["outside"].id_number, "受助"],
    ]
    assert sheet_rows(workbook, "本系统有全国系统无") == [
        ["4141000004", "测试巩义市第二职业中专", "漏报生", planted["missing"].id_number, "受助"],
    ]
    renamed = planted["renamed"].id_number
    cancelled = planted["cancelled"].id_number
    assert sorted(sheet_rows(workbook, "信息不一致")) == sorted([
        ["4141000003", "改名生", renamed, "姓名", "改名生", "改名前"],
        ["4141000003", "改名生", renamed, "资助状态", "受助", "拟受助"],
        ["4141000003", "取消生", cancelled, "受助资格", "本学期已取消受助资格", "受助"],
    ])
    unreadable = sheet_rows(workbook, "无法识别的行")
    assert unreadable[0][0] == 7
    assert "18 位" in unreadable[0][1]

    for name in ("全国系统有本系统无", "本系统有全国系统无", "信息不一致"):
        for row in workbook[name].iter_rows(min_row=2):
            id_cell = row[3] if name != "信息不一致" else row[2]
            assert id_cell.data_type == "s"
            assert id_cell.number_format == "@"


def test_reconciliation_audited(client, org_tree, planted):
    content = national_file([("一致生", planted["same"].id_number, "4141000003", "受助")])
    upload(client, org_tree.users["county"], content)
    entry = AuditEntry.objects.get(action="report.reconcile")
    assert entry.detail["matched"] == 1
    assert entry.detail["only_ours"] == 3
    assert planted["same"].id_number not in str(entry.detail)


def test_numeric_id_cell_is_unreadable(client, org_tree, planted):
    content = national_file([("一致生", int(planted["same"].id_number[:15]), "4141000003", "受助")])
    workbook = load_workbook(io.BytesIO(upload(client, org_tree.users["county"], content).content))
    assert len(sheet_rows(workbook, "无法识别的行")) == 1


def test_file_without_header_rejected(client, org_tree, planted):
    content = national_file([("x", "y", "z", "w")], headers=("甲", "乙", "丙", "丁"))
    response = upload(client, org_tree.users["county"], content)
    assert response.status_code == 400
    assert "表头" in response.content.decode()
    assert not AuditEntry.objects.filter(action="report.reconcile").exists()


def test_old_xls_rejected(client, org_tree, planted):
    response = upload(client, org_tree.users["county"], b"\xd0\xcf\x11\xe0rest", name="名单.xls")
    assert response.status_code == 400


def test_school_outside_jurisdiction_is_404(client, org_tree, planted):
    content = national_file([("一致生", planted["same"].id_number, "4141000003", "受助")])
    response = upload(client, org_tree.users["county"], content, school=org_tree.other_county_school.pk)
    assert response.status_code == 404


def test_school_scope_reconciles_one_school(client, org_tree, planted):
    content = national_file([("一致生", planted["same"].id_number, "4141000003", "受助")])
    response = upload(client, org_tree.users["county"], content, school=org_tree.county_school_2.pk)
    workbook = load_workbook(io.BytesIO(response.content))
    assert [row[2] for row in sheet_rows(workbook, "本系统有全国系统无")] == ["漏报生"]
    assert [row[2] for row in sheet_rows(workbook, "全国系统有本系统无")] == ["一致生"]
