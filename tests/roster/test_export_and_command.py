"""Roster export (reopened with openpyxl) and the import_roster command."""
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from openpyxl import load_workbook
from roster_helpers import gender_text, id_number, id_with_check

from aidface.audit.models import AuditEntry
from aidface.roster.columns import COLUMNS
from aidface.roster.exporting import EXTRA_COLUMNS, ExportColumn
from aidface.roster.models import Student
from aidface.roster.services import export_roster, import_file

HEADER = [column.header for column in COLUMNS]
X_ID = id_with_check("X", birth="20080101")
ZERO_ID = id_with_check("0", birth="20080102")
PLAIN_ID = id_number(birth="20080103", sequence="410")


def roster_rows():
    return [
        HEADER,
        ["王小明", X_ID, gender_text(X_ID), "G001", "4141000003", "2025级", "数控1班", "数控技术应用", "受助"],
        ["李小红", ZERO_ID, gender_text(ZERO_ID), "G002", "4141000003", "2025级", "数控1班", "数控技术应用", "拟受助"],
        ["周小刚", PLAIN_ID, gender_text(PLAIN_ID), "", "4141000003", "2024级", "", "", "非受助"],
    ]


@pytest.fixture
def imported(org_tree, make_xlsx):
    path = make_xlsx(roster_rows(), text_columns=["B"])
    import_file(user=None, school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    return org_tree


def exported_sheet(content):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def test_export_header(imported):
    sheet = exported_sheet(export_roster(user=imported.users["operator"], school=imported.county_school))
    assert [cell.value for cell in sheet[1]] == HEADER + [column.header for column in EXTRA_COLUMNS]


def test_export_extra_column(imported, monkeypatch):
    # Other apps register columns such as 采集状态. This one gives each student's name length.
    column = ExportColumn("姓名字数", lambda students: {student.pk: str(len(student.name)) for student in students})
    monkeypatch.setattr("aidface.roster.exporting.EXTRA_COLUMNS", [column])
    sheet = exported_sheet(export_roster(user=imported.users["operator"], school=imported.county_school))
    assert sheet.cell(row=1, column=len(HEADER) + 1).value == "姓名字数"
    assert {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"3"}


def test_export_id_cells_are_text(imported):
    sheet = exported_sheet(export_roster(user=imported.users["operator"], school=imported.county_school))
    for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        assert cell.data_type == "s"
        assert cell.number_format == "@"
        assert len(cell.value) == 18


def test_export_values(imported):
    sheet = exported_sheet(export_roster(user=imported.users["operator"], school=imported.county_school))
    exported = {row[1]: row[: len(HEADER)] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported[X_ID] == (
        "王小明", X_ID, gender_text(X_ID), "G001", "4141000003", "2025级", "数控1班", "数控技术应用", "受助"
    )


def test_export_formula_text_stays_text(imported):
    Student.objects.filter(id_number=PLAIN_ID).update(name="=1+1")
    sheet = exported_sheet(export_roster(user=imported.users["operator"], school=imported.county_school))
    names = [cell for (cell,) in sheet.iter_rows(min_row=2, max_col=1)]
    formula_like = [cell for cell in names if cell.value == "=1+1"]
    assert formula_like[0].data_type == "s"


def test_export_round_trip_unchanged(imported):
    content = export_roster(user=imported.users["operator"], school=imported.county_school)
    plan = import_file(user=None, school=imported.county_school, content=content, file_name="export.xlsx")
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 3, "rejected": 0}


def test_export_round_trip_keeps_x_and_zero(imported):
    content = export_roster(user=imported.users["operator"], school=imported.county_school)
    Student.objects.all().delete()
    import_file(user=None, school=imported.county_school, content=content, file_name="export.xlsx")
    assert set(Student.objects.values_list("id_number", flat=True)) == {X_ID, ZERO_ID, PLAIN_ID}


def test_export_audited(imported):
    export_roster(user=imported.users["county"], school=imported.county_school)
    entry = AuditEntry.objects.get(action="roster.export")
    assert entry.user == imported.users["county"]
    assert entry.detail == {"students": 3}


def test_export_outside_scope_404(imported):
    with pytest.raises(Http404):
        export_roster(user=imported.users["other_county"], school=imported.county_school)


def test_command_dry_run_writes_nothing(org_tree, make_xlsx, tmp_path):
    path = make_xlsx(roster_rows(), text_columns=["B"])
    output = io.StringIO()
    call_command("import_roster", str(path), school="4141000003", dry_run=True, stdout=output)
    assert Student.objects.count() == 0
    assert "新增 3，更新 0，未变 0，拒绝 0" in output.getvalue()


def test_command_imports(org_tree, make_xlsx):
    path = make_xlsx(roster_rows(), text_columns=["B"])
    call_command("import_roster", str(path), school="4141000003", stdout=io.StringIO())
    assert Student.objects.filter(school=org_tree.county_school).count() == 3


def test_command_audited(org_tree, make_xlsx):
    path = make_xlsx(roster_rows(), text_columns=["B"])
    call_command("import_roster", str(path), school="4141000003", stdout=io.StringIO())
    entry = AuditEntry.objects.get(action="roster.import")
    assert entry.school == org_tree.county_school
    assert entry.detail["counts"] == {"added": 3, "updated": 0, "unchanged": 0, "rejected": 0}


def test_command_twice_unchanged(org_tree, make_xlsx):
    path = make_xlsx(roster_rows(), text_columns=["B"])
    call_command("import_roster", str(path), school="4141000003", stdout=io.StringIO())
    output = io.StringIO()
    call_command("import_roster", str(path), school="4141000003", stdout=output)
    assert "新增 0，更新 0，未变 3，拒绝 0" in output.getvalue()


def test_command_json_report(org_tree, make_xlsx, tmp_path):
    rows = roster_rows() + [["赵数字", int(id_with_check("4", birth="20080104")), "", "", "", "", "", "", "受助"]]
    path = make_xlsx(rows)
    report_path = tmp_path / "report.json"
    call_command(
        "import_roster", str(path), school="4141000003", dry_run=True, json_out=str(report_path), stdout=io.StringIO()
    )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["counts"] == {"added": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report["rejected"][0]["rows"] == [5]
    assert "“身份证号”列（B 列）是数字格式" in report["rejected"][0]["reasons"][0]


def test_command_report_has_no_id_numbers(org_tree, make_xlsx, tmp_path):
    path = make_xlsx(roster_rows(), text_columns=["B"])
    report_path = tmp_path / "report.json"
    call_command("import_roster", str(path), school="4141000003", json_out=str(report_path), stdout=io.StringIO())
    assert X_ID not in report_path.read_text(encoding="utf-8")


def test_command_unknown_school(org_tree, make_xlsx):
    path = make_xlsx(roster_rows())
    with pytest.raises(CommandError) as raised:
        call_command("import_roster", str(path), school="9999999999", stdout=io.StringIO())
    assert "没有学校标识码为 9999999999 的学校" in str(raised.value)


def test_command_missing_file(org_tree, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / "none.xlsx"), school="4141000003", stdout=io.StringIO())
