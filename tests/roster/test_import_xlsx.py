"""Roster import from real .xlsx files holding every kind of bad row."""
import pytest
from roster_helpers import gender_text, id_number, id_with_check

from aidface.roster.models import AidStatus, Gender, Student
from aidface.roster.reading import RosterFileError
from aidface.roster.services import import_file, preview

HEADER = ["序号", "学生姓名", "身份证号码", "性别", "全国学籍号", "学校标识码", "年级", "班级", "专业", "资助状态", "备注"]
SCHOOL_CODE = "4141000003"

GOOD_ID = id_with_check("5", birth="20080315")
X_ID = id_with_check("X", birth="20090101")
GOOD_GENDER = gender_text(GOOD_ID)
DUPLICATE_ID = id_with_check("7", birth="20080520")


def row(number, name, id_value, gender="", status="受助", school_code=SCHOOL_CODE, class_name="汽修1班"):
    return [number, name, id_value, gender, f"G{number:04d}", school_code, "2025级", class_name, "汽车运用与维修", status, ""]


def bad_rows():
    """Return the rows of a file where sheet rows 2 and 3 are good and every later row is bad."""
    lost_digits = id_with_check("6", birth="20080601")
    wrong_check = id_with_check("3", birth="20080702")
    return [
        HEADER,
        row(1, "张三", GOOD_ID, GOOD_GENDER),
        # Lower-case x and full-width digits are normalised, not rejected.
        row(2, "李四", "\u3000" + X_ID[:3].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + X_ID[3:].lower()),
        row(3, "王五", int(id_with_check("1", birth="20080401"))),
        row(4, "赵六", 4.10181200804021e17),
        row(5, "钱七", "4.10181E+17"),
        row(6, "孙八", lost_digits[:15] + "000"),
        row(7, "周九", id_with_check("X", birth="20090103")[:17]),
        row(8, "吴十", "410181080315123"),
        row(9, "郑一", wrong_check[:17] + ("0" if wrong_check[-1] != "0" else "1")),
        row(10, "冯二", id_number(birth="20070230")),
        row(11, "陈三", id_number(region="990181")),
        row(12, "褚四", DUPLICATE_ID),
        row(13, "褚四", " " + DUPLICATE_ID + " "),
        row(14, None, id_number(birth="20080808", sequence="211")),
        row(15, "韩五", id_number(birth="20080809", sequence="213"), status="待定"),
        row(16, "杨六", id_number(birth="20080810", sequence="215"), school_code="4141000004"),
        row(17, "朱七", id_number(birth="20080811", sequence="217"), gender="女"),
    ]


@pytest.fixture
def bad_file(make_xlsx):
    return make_xlsx(bad_rows(), text_columns=["C"])


def rejection_for(plan, row_number):
    for rejection in plan.rejected:
        if row_number in rejection.row_numbers:
            return rejection
    raise AssertionError(f"row {row_number} was not rejected")


def read(path):
    return path.read_bytes()


def test_counts(org_tree, bad_file):
    plan = preview(school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    assert plan.counts == {"added": 2, "updated": 0, "unchanged": 0, "rejected": 14}


def test_preview_writes_nothing(org_tree, bad_file):
    preview(school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    assert Student.objects.count() == 0


@pytest.mark.parametrize(
    ("row_number", "words"),
    [
        (4, "“身份证号码”列（C 列）是数字格式"),
        (5, "“身份证号码”列（C 列）是数字格式"),
        (6, "科学计数法"),
        (7, "校验位"),
        (8, "丢失了末位 X"),
        (9, "15 位的旧身份证号，请提供 18 位"),
        (10, "校验位"),
        (11, "不是真实的日期"),
        (12, "行政区划代码"),
        (15, "“学生姓名”列（B 列）为空"),
        (16, "“资助状态”列（J 列）“待定”无法识别"),
        (17, "不是本次导入学校的标识码"),
        (18, "与身份证号中的性别不一致"),
    ],
)
def test_bad_row_reason(org_tree, bad_file, row_number, words):
    plan = preview(school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    reasons = " ".join(rejection_for(plan, row_number).reasons)
    assert words in reasons


def test_id_reasons_name_column(org_tree, bad_file):
    plan = preview(school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    for row_number in (6, 7, 8, 9, 10, 11, 12):
        assert "“身份证号码”列（C 列）" in rejection_for(plan, row_number).reasons[0], row_number


def test_duplicate_is_one_conflict(org_tree, bad_file):
    plan = preview(school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    conflict = rejection_for(plan, 13)
    assert conflict.row_numbers == (13, 14)
    assert "第 13、14 行的身份证号相同" in conflict.reasons[0]


def test_numeric_cell_not_repaired(org_tree, bad_file):
    import_file(user=None, school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    assert not Student.objects.filter(name__in=["王五", "赵六", "钱七"]).exists()


def test_import_adds_good_rows(org_tree, bad_file):
    import_file(user=None, school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    assert set(Student.objects.values_list("id_number", flat=True)) == {GOOD_ID, X_ID}


def test_imported_fields(org_tree, bad_file):
    import_file(user=None, school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    student = Student.objects.get(id_number=GOOD_ID)
    assert (student.name, student.get_gender_display(), student.student_number) == ("张三", GOOD_GENDER, "G0001")
    assert (student.grade, student.class_name, student.major) == ("2025级", "汽修1班", "汽车运用与维修")
    assert student.aid_status == AidStatus.AIDED
    assert student.school == org_tree.county_school


def test_gender_from_id_when_blank(org_tree, bad_file):
    import_file(user=None, school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    assert Student.objects.get(id_number=X_ID).get_gender_display() == gender_text(X_ID)


def test_reimport_changes_nothing(org_tree, bad_file):
    import_file(user=None, school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    before = list(Student.objects.order_by("pk").values())
    plan = import_file(user=None, school=org_tree.county_school, content=read(bad_file), file_name=bad_file.name)
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 2, "rejected": 14}
    assert list(Student.objects.order_by("pk").values()) == before


def test_changed_class_updates(org_tree, make_xlsx):
    first = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER)], name="first.xlsx")
    import_file(user=None, school=org_tree.county_school, content=read(first), file_name=first.name)
    second = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER, class_name="汽修2班")], name="second.xlsx")
    plan = import_file(user=None, school=org_tree.county_school, content=read(second), file_name=second.name)
    assert [updated.changed_fields for updated in plan.updated] == [("class_name",)]
    assert Student.objects.get(id_number=GOOD_ID).class_name == "汽修2班"


def test_missing_students_kept(org_tree, make_xlsx):
    first = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER), row(2, "李四", X_ID)], name="first.xlsx")
    import_file(user=None, school=org_tree.county_school, content=read(first), file_name=first.name)
    second = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER)], name="second.xlsx")
    import_file(user=None, school=org_tree.county_school, content=read(second), file_name=second.name)
    assert Student.objects.count() == 2


def test_student_of_other_school_rejected(org_tree, make_xlsx):
    Student.objects.create(
        school=org_tree.county_school_2, name="张三", id_number=GOOD_ID, gender=Gender.MALE, aid_status=AidStatus.AIDED
    )
    path = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER)])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert "已在本省其他学校的名册中" in plan.rejected[0].reasons[0]


def test_other_school_not_named(org_tree, make_xlsx):
    Student.objects.create(
        school=org_tree.county_school_2, name="张三", id_number=GOOD_ID, gender=Gender.MALE, aid_status=AidStatus.AIDED
    )
    path = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER)])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert org_tree.county_school_2.name not in plan.rejected[0].reasons[0]


def test_title_rows_above_header(org_tree, make_xlsx):
    path = make_xlsx([["2026年春季学期受助学生名单"], [], HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER)])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert [added.row_number for added in plan.added] == [4]


def test_extra_columns_listed(org_tree, make_xlsx):
    path = make_xlsx([HEADER, row(1, "张三", GOOD_ID, GOOD_GENDER)])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert plan.extra_headers == ["序号", "备注"]


def test_decorated_headers(org_tree, make_xlsx):
    header = ["*姓名", "身份证号（必填）", "资 助 状 态"]
    path = make_xlsx([header, ["张三", GOOD_ID, "拟受助"]])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert plan.added[0].values["aid_status"] == AidStatus.PROPOSED


def test_missing_required_column(org_tree, make_xlsx):
    path = make_xlsx([["姓名", "身份证号"], ["张三", GOOD_ID]])
    with pytest.raises(RosterFileError) as raised:
        preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert "缺少必填列：“资助状态”" in raised.value.message


def test_no_header(org_tree, make_xlsx):
    path = make_xlsx([["甲", "乙"], ["张三", GOOD_ID]])
    with pytest.raises(RosterFileError) as raised:
        preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert "没有找到表头" in raised.value.message


def test_old_xls_rejected(org_tree):
    with pytest.raises(RosterFileError) as raised:
        preview(school=org_tree.county_school, content=b"\xd0\xcf\x11\xe0" + b"\0" * 100, file_name="roster.xls")
    assert "另存为 .xlsx" in raised.value.message


def test_broken_xlsx_rejected(org_tree):
    with pytest.raises(RosterFileError):
        preview(school=org_tree.county_school, content=b"PK\x03\x04broken", file_name="roster.xlsx")


def test_numeric_grade_accepted(org_tree, make_xlsx):
    path = make_xlsx([["姓名", "身份证号", "年级", "资助状态"], ["张三", GOOD_ID, 2025, "受助"]])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert plan.added[0].values["grade"] == "2025"


def test_long_numeric_student_number_rejected(org_tree, make_xlsx):
    path = make_xlsx([["姓名", "身份证号", "学籍号", "资助状态"], ["张三", GOOD_ID, 41018120080315123, "受助"]])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert "丢失精度" in plan.rejected[0].reasons[0]


def test_second_id_column_ignored(org_tree, make_xlsx):
    header = ["姓名", "身份证号", "身份证号码", "资助状态", ""]
    path = make_xlsx([header, ["张三", GOOD_ID, "旧号", "受助", None]])
    plan = preview(school=org_tree.county_school, content=read(path), file_name=path.name)
    assert plan.extra_headers == ["身份证号码"]
    assert plan.counts["added"] == 1
