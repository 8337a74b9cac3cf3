"""Every field of an internship record is required (except the point) and each invalid field gets its own message."""
from datetime import date

import pytest
from internships_support import NOW, raw_fields

from aidface.internships import services
from aidface.internships.errors import InternshipValidationError
from aidface.internships.models import InternshipRecord
from aidface.internships.validation import parse_phone, validate_fields


def errors_of(operator, student, **changes) -> dict[str, str]:
    with pytest.raises(InternshipValidationError) as caught:
        services.create_record(user=operator, school=student.school, raw=raw_fields(student, **changes), now=NOW)
    return caught.value.errors


REQUIRED_MESSAGES = {
    "name": "请填写实习人姓名",
    "id_number": "请填写实习人身份证号",
    "grade": "请填写年级",
    "class_name": "请填写班级",
    "company": "请填写实习单位",
    "address": "请填写实习地点",
    "supervisor_name": "请填写负责人",
    "supervisor_phone": "请填写负责人联系方式",
    "start_date": "请填写实习开始日期",
    "end_date": "请填写实习结束日期",
}


@pytest.mark.parametrize("field_name", sorted(REQUIRED_MESSAGES))
def test_missing_field_gets_its_own_message(operator, student, field_name):
    errors = errors_of(operator, student, **{field_name: ""})
    assert errors == {field_name: REQUIRED_MESSAGES[field_name]}
    assert not InternshipRecord.objects.exists()


def test_all_fields_missing_lists_every_message(operator, student):
    blank = {name: "" for name in raw_fields(student)}
    errors = errors_of(operator, student, **blank)
    assert errors == REQUIRED_MESSAGES


def test_whitespace_only_counts_as_missing(operator, student):
    errors = errors_of(operator, student, company=" \u3000 ", supervisor_name="\t")
    assert errors == {"company": "请填写实习单位", "supervisor_name": "请填写负责人"}


def test_too_long_text_names_the_limit(operator, student):
    errors = errors_of(operator, student, company="企" * 129)
    assert errors == {"company": "实习单位不能超过 128 个字，现为 129 个字"}


def test_id_number_invalid_checksum(operator, student):
    wrong = student.id_number[:17] + ("0" if student.id_number[17] != "0" else "1")
    errors = errors_of(operator, student, id_number=wrong)
    assert errors == {"id_number": "身份证号校验位不正确，请核对每一位数字"}


def test_id_number_not_on_school_roster(operator, student, foreign_student):
    errors = errors_of(operator, student, id_number=foreign_student.id_number, name=foreign_student.name)
    assert list(errors) == ["id_number"]
    assert errors["id_number"].startswith("本校名册中没有身份证号为 ")
    assert foreign_student.masked_id_number in errors["id_number"]
    assert foreign_student.id_number not in errors["id_number"]


def test_name_differs_from_roster(operator, student):
    errors = errors_of(operator, student, name="赵大兵")
    assert errors == {"name": "实习人姓名“赵大兵”与名册中该身份证号的姓名“赵小兵”不一致，请核对"}


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("13838112233", "13838112233"),
        ("19912345678", "19912345678"),
        ("138 3811 2233", "13838112233"),
        ("０３７１－６５４３２１００", "0371-65432100"),
        ("0371-65432100", "0371-65432100"),
        ("037165432100", "0371-65432100"),
        ("(0371)65432100", "0371-65432100"),
        ("010-87654321", "010-87654321"),
        ("0379-6543210-123", "0379-6543210-123"),
    ],
)
def test_phone_accepted_forms(value, stored):
    assert parse_phone(value) == stored


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12838112233", "负责人联系方式“12838112233”不是有效的手机号，手机号应为以 13–19 开头的 11 位数字"),
        ("1383811223", "负责人联系方式“1383811223”不是有效的手机号，手机号应为以 13–19 开头的 11 位数字"),
        ("65432100", "负责人联系方式“65432100”格式不正确，请填写 11 位手机号，或带区号的固定电话（如 0371-65432100）"),
        ("0371-1234567", "负责人联系方式“0371-1234567”格式不正确，请填写 11 位手机号，或带区号的固定电话（如 0371-65432100）"),
        ("王老师", "负责人联系方式“王老师”格式不正确，请填写 11 位手机号，或带区号的固定电话（如 0371-65432100）"),
    ],
)
def test_phone_rejected_with_message(operator, student, value, message):
    assert errors_of(operator, student, supervisor_phone=value) == {"supervisor_phone": message}


def test_invalid_dates_each_get_a_message(operator, student):
    errors = errors_of(operator, student, start_date="2026-02-30", end_date="明年")
    assert errors == {
        "start_date": "实习开始日期“2026-02-30”不是有效的日期，请按 2026-04-01 的格式填写",
        "end_date": "实习结束日期“明年”不是有效的日期，请按 2026-04-01 的格式填写",
    }


def test_end_before_start_rejected(operator, student):
    errors = errors_of(operator, student, start_date="2026-04-10", end_date="2026-04-09")
    assert errors == {"end_date": "实习结束日期 2026-04-09 早于开始日期 2026-04-10，请核对"}


def test_date_formats_accepted():
    values = validate_fields({"start_date": "2026/4/1", "end_date": "2026年6月30日"}).values
    assert values["start_date"] == date(2026, 4, 1)
    assert values["end_date"] == date(2026, 6, 30)


def test_point_requires_all_three_parts(operator, student):
    errors = errors_of(operator, student, latitude="34.7466")
    assert errors == {
        "longitude": "填写实习地点坐标时须同时填写经度",
        "coord_system": "填写实习地点坐标时须选择坐标系（WGS-84、GCJ-02 或 BD-09）",
    }


def test_point_out_of_range_and_unknown_system(operator, student):
    errors = errors_of(operator, student, latitude="95", longitude="东经113", coord_system="火星坐标")
    assert errors == {
        "latitude": "纬度 95 超出范围，应在 -90 到 90 度之间",
        "longitude": "经度“东经113”不是数字，请填写以度为单位的小数，如 34.746600",
        "coord_system": "坐标系“火星坐标”无法识别，请填写 WGS-84、GCJ-02 或 BD-09",
    }


def test_point_stored_with_coordinate_system(operator, student):
    created = services.create_record(
        user=operator,
        school=student.school,
        raw=raw_fields(student, latitude="34.7466", longitude="113.6254", coord_system="GCJ-02"),
        now=NOW,
    )
    created.refresh_from_db()
    assert str(created.latitude) == "34.746600"
    assert str(created.longitude) == "113.625400"
    assert created.coord_system == "gcj02"


def test_valid_record_is_created_as_draft(operator, student):
    created = services.create_record(user=operator, school=student.school, raw=raw_fields(student), now=NOW)
    assert created.status == "draft"
    assert created.student == student
    assert created.school == student.school
    assert created.version == 1
    assert created.supervisor_phone == "13838112233"
    assert created.start_date == date(2026, 4, 1)


def test_overlapping_period_rejected(operator, student, make_record):
    make_record(student)
    errors = errors_of(operator, student, start_date="2026-06-01", end_date="2026-08-31")
    assert errors == {
        "start_date": "该学生已有 2026-04-01 至 2026-06-30 在“郑州宇通客车股份有限公司”的实习记录，实习时间不能重叠，请核对日期"
    }
    assert InternshipRecord.objects.count() == 1
