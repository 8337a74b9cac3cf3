"""Exports for the national system reopened with openpyxl and checked cell by cell; scope and audit entries."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

import eligibility_support as support
from aidface.audit.models import AuditEntry
from aidface.checks.models import MarkReason, MonthResult, MonthState
from aidface.eligibility.services import recompute_eligibility

NORMAL = MonthState.NORMAL
FAILED = MonthState.FAILED
MARKED = MonthState.MARKED_PASS


@pytest.fixture
def planted(org_tree):
    kept = support.student(org_tree.county_school_2, name="保留生")
    support.enrol(kept)
    support.month_results(kept, [NORMAL, MARKED, FAILED])
    MonthResult.objects.filter(student=kept, month=4).update(mark_reason=MarkReason.LEAVE)
    few = support.student(org_tree.county_school, name="少月生")
    support.enrol(few)
    support.month_results(few, [NORMAL, FAILED, None])
    other = support.student(org_tree.other_county_school, name="新安生")
    support.month_results(other, [FAILED, FAILED, FAILED])
    recompute_eligibility(semester=support.spring_2026(), now=support.IN_MAY)
    return {"kept": kept, "few": few, "other": other}


def download(client, user, name, **params):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(reverse(name), {"semester": support.spring_2026().pk, **params})


def open_workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_month_results_one_sheet_per_month(client, org_tree, planted):
    workbook = open_workbook(download(client, org_tree.users["county"], "reports:month_results"))
    assert workbook.sheetnames == ["2026年3月", "2026年4月", "2026年5月"]
    april = rows_of(workbook["2026年4月"])
    assert april[0] == ["学校标识码", "学校名称", "姓名", "身份证号", "学籍号", "年级", "班级", "资助状态",
                        "抽查结果", "标示原因", "申诉前结果", "是否锁定"]
    kept = planted["kept"]
    few = planted["few"]
    assert april[1:] == [
        ["4141000003", "测试巩义市第一职业中专", "少月生", few.id_number, few.student_number, "2025级", "机电1班", "受助",
         "未通过", None, None, "是"],
        ["4141000004", "测试巩义市第二职业中专", "保留生", kept.id_number, kept.student_number, "2025级", "机电1班", "受助",
         "标示通过", "请假", None, "是"],
    ]
    # May has no result for 少月生.
    assert [row[2] for row in rows_of(workbook["2026年5月"])[1:]] == ["保留生"]


def test_id_numbers_are_text_cells(client, org_tree, planted):
    workbook = open_workbook(download(client, org_tree.users["county"], "reports:month_results"))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=2):
            for cell in (row[0], row[3], row[4]):
                assert cell.data_type == "s"
                assert cell.number_format == "@"
                assert isinstance(cell.value, str)


def test_eligibility_export_sheets(client, org_tree, planted):
    """The rows were computed as of May, but the export runs after the spring appeal expiry, so they are final."""
    workbook = open_workbook(download(client, org_tree.users["county"], "reports:eligibility"))
    assert workbook.sheetnames == ["地区汇总", "学校汇总", "受助资格名单", "取消资格名单"]
    assert rows_of(workbook["地区汇总"]) == [
        ["行政区划代码", "地区", "学生数", "保留资格人数", "取消资格人数", "暂定人数"],
        ["410181", "巩义市", 2, 1, 1, 0],
    ]
    schools = rows_of(workbook["学校汇总"])
    assert schools[0][:7] == ["学校标识码", "学校名称", "所在地区", "学生数", "保留资格人数", "取消资格人数", "暂定人数"]
    assert schools[0][7:] == ["通过月份少于2个月", "无正常考勤月份", "未完成新增采集", "逾期完成新增采集", "确认一人多籍"]
    assert schools[1] == ["4141000003", "测试巩义市第一职业中专", "巩义市", 1, 0, 1, 0, 1, 0, 0, 0, 0]
    assert schools[2] == ["4141000004", "测试巩义市第二职业中专", "巩义市", 1, 1, 0, 0, 0, 0, 0, 0, 0]

    few = planted["few"]
    everyone = rows_of(workbook["受助资格名单"])
    assert everyone[0][8:] == ["通过月数", "正常考勤月数", "受助资格", "取消原因", "结果状态"]
    assert everyone[1] == ["4141000003", "测试巩义市第一职业中专", "少月生", few.id_number, few.student_number, "2025级",
                           "机电1班", "受助", 1, 1, "取消", "通过月份少于2个月", "最终"]
    assert everyone[2][2] == "保留生"
    assert everyone[2][10:] == ["保留", None, "最终"]
    assert [row[2] for row in rows_of(workbook["取消资格名单"])[1:]] == ["少月生"]
    assert workbook["受助资格名单"]["D2"].data_type == "s"
    assert workbook["受助资格名单"]["D2"].number_format == "@"


def test_region_export_limited_to_region(client, org_tree, planted):
    workbook = open_workbook(download(client, org_tree.users["province"], "reports:eligibility", region="410323"))
    assert [row[2] for row in rows_of(workbook["受助资格名单"])[1:]] == ["新安生"]
    entry = AuditEntry.objects.filter(action="report.export_region").latest("seq")
    assert entry.detail["rows"] == 1
    assert entry.detail["scope"] == "新安县（410323）"


def test_school_export_limited_to_school(client, org_tree, planted):
    workbook = open_workbook(
        download(client, org_tree.users["county"], "reports:eligibility", school=org_tree.county_school_2.pk)
    )
    assert [row[2] for row in rows_of(workbook["受助资格名单"])[1:]] == ["保留生"]


def test_exports_audited(client, org_tree, planted):
    download(client, org_tree.users["county"], "reports:month_results")
    download(client, org_tree.users["county"], "reports:eligibility")
    month = AuditEntry.objects.get(action="report.export_month_results")
    assert month.user == org_tree.users["county"]
    assert month.detail["rows"] == 5
    assert month.detail["sheets"] == 3
    eligibility = AuditEntry.objects.get(action="report.export_eligibility")
    assert eligibility.detail["rows"] == 2
    assert planted["few"].id_number not in str(month.detail)


def test_school_outside_jurisdiction_is_404(client, org_tree, planted):
    response = download(client, org_tree.users["county"], "reports:eligibility", school=org_tree.other_county_school.pk)
    assert response.status_code == 404
    response = download(client, org_tree.users["county"], "reports:month_results", region="410323")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="report.").exists()


def test_school_staff_export_own_school(client, org_tree, planted):
    workbook = open_workbook(download(client, org_tree.users["principal"], "reports:eligibility"))
    assert [row[2] for row in rows_of(workbook["受助资格名单"])[1:]] == ["少月生"]


def test_terminal_refused(client, org_tree, planted):
    assert download(client, org_tree.users["terminal"], "reports:eligibility").status_code == 403


def test_index_page(client, org_tree, planted):
    client.force_login(org_tree.users["county"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("reports:index"))
    assert response.status_code == 200
    assert "与全国系统名单核对" in response.content.decode()


def test_formula_like_text_stays_text(client, org_tree):
    student = support.student(org_tree.county_school, name="=1+1")
    support.month_results(student, [NORMAL, None, None])
    workbook = open_workbook(download(client, org_tree.users["county"], "reports:month_results"))
    cell = workbook["2026年3月"]["C2"]
    assert cell.value == "=1+1"
    assert cell.data_type == "s"


def test_missing_semester_is_form_error(client, org_tree, planted):
    client.force_login(org_tree.users["county"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("reports:eligibility"))
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action__startswith="report.").exists()
