"""Roster import from real .csv files in UTF-8 (with and without BOM) and GB18030."""
import pytest
from roster_helpers import gender_text, id_number, id_with_check

from aidface.roster.models import Student
from aidface.roster.reading import RosterFileError
from aidface.roster.services import import_file, preview

HEADER = ["姓名", "身份证号", "性别", "学籍号", "学校标识码", "年级", "班级", "专业", "资助状态", "联系电话"]
FIRST_ID = id_with_check("X", birth="20080101")
SECOND_ID = id_number(birth="20080202", sequence="318")
# 䶮 is in GB18030 but not in GBK, so a GBK decoder would fail on it.
RARE_NAME = "刘䶮"


def rows():
    return [
        HEADER,
        ["王小明", FIRST_ID.lower(), gender_text(FIRST_ID), "G001", "4141000003", "2025级", "数控1班", "数控技术应用", "受助", "13800000000"],
        [RARE_NAME, SECOND_ID, "", "G002", "4141000003", "2025级", "数控1班", "数控技术应用", "拟受助", ""],
        ["张科学", "4.10181E+17", "", "G003", "4141000003", "2025级", "数控1班", "数控技术应用", "受助", ""],
        ["李旧号", "410181080101123", "", "G004", "4141000003", "2025级", "数控1班", "数控技术应用", "受助", ""],
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_counts_per_encoding(org_tree, make_csv, encoding):
    path = make_csv(rows(), encoding=encoding)
    plan = preview(school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    assert plan.counts == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 2}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_names_decoded(org_tree, make_csv, encoding):
    path = make_csv(rows(), encoding=encoding)
    import_file(user=None, school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    assert set(Student.objects.values_list("name", flat=True)) == {"王小明", RARE_NAME}


def test_lowercase_x_stored_upper(org_tree, make_csv):
    path = make_csv(rows())
    import_file(user=None, school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    assert Student.objects.filter(id_number=FIRST_ID).exists()


def test_csv_reasons_name_row_and_column(org_tree, make_csv):
    path = make_csv(rows(), encoding="gb18030")
    plan = preview(school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    rejection = plan.rejected[0]
    assert rejection.row_numbers == (4,)
    assert rejection.reasons[0].startswith("“身份证号”列（第 2 列）")


def test_same_file_other_encoding_unchanged(org_tree, make_csv):
    utf8 = make_csv(rows(), encoding="utf-8-sig", name="utf8.csv")
    import_file(user=None, school=org_tree.county_school, content=utf8.read_bytes(), file_name=utf8.name)
    gb = make_csv(rows(), encoding="gb18030", name="gb.csv")
    plan = import_file(user=None, school=org_tree.county_school, content=gb.read_bytes(), file_name=gb.name)
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 2, "rejected": 2}


def test_tab_separated(org_tree, tmp_path):
    text = "\n".join("\t".join(row) for row in rows()[:2])
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    plan = preview(school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    assert plan.counts["added"] == 1


def test_undecodable_bytes_rejected(org_tree):
    with pytest.raises(RosterFileError):
        preview(school=org_tree.county_school, content=b"\xff\xfe\x00\x81\x30\xff", file_name="roster.csv")


def test_blank_lines_skipped(org_tree, make_csv):
    path = make_csv([rows()[0], [], rows()[1], [""] * 10])
    plan = preview(school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    assert plan.counts == {"added": 1, "updated": 0, "unchanged": 0, "rejected": 0}


def test_row_limit(org_tree, make_csv, monkeypatch):
    monkeypatch.setattr("aidface.roster.reading.MAX_ROWS", 1)
    path = make_csv(rows())
    with pytest.raises(RosterFileError) as raised:
        preview(school=org_tree.county_school, content=path.read_bytes(), file_name=path.name)
    assert "文件超过 1 行" in raised.value.message
