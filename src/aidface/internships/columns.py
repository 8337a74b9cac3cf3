"""Spreadsheet columns of internship records: the school's import file and the provincial platform's export.

The provincial internship filing platform (河南省职业院校实习备案管理平台) exports its
records with headers that differ between versions, so every column accepts a few
variants, compared after dropping spaces, stars and "(必填)" notes.
"""
from __future__ import annotations

from dataclasses import dataclass

from aidface.roster.columns import normalise_header


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("name", "实习人姓名", ("姓名", "学生姓名", "实习学生姓名")),
    Column("id_number", "身份证号", ("身份证号码", "身份证件号码", "证件号码", "公民身份号码", "学生身份证号")),
    Column("grade", "年级", ("所在年级", "入学年级")),
    Column("class_name", "班级", ("班级名称", "所在班级")),
    Column("company", "实习单位", ("实习单位名称", "实习企业", "实习企业名称", "岗位实习单位")),
    Column("address", "实习地点", ("实习地址", "实习单位地址", "实习岗位地点")),
    Column("latitude", "纬度", ("实习地点纬度",), required=False),
    Column("longitude", "经度", ("实习地点经度",), required=False),
    Column("coord_system", "坐标系", ("坐标类型",), required=False),
    Column("supervisor_name", "负责人", ("实习负责人", "企业负责人", "企业指导教师", "指导教师", "实习指导教师")),
    Column("supervisor_phone", "负责人联系方式", ("负责人电话", "负责人手机", "联系电话", "指导教师电话", "企业指导教师电话")),
    Column("start_date", "实习开始日期", ("开始日期", "实习开始时间", "起始日期", "实习起始日期")),
    Column("end_date", "实习结束日期", ("结束日期", "实习结束时间", "截止日期", "实习截止日期")),
)

# The platform export is matched on the ID number and compared on these fields (Art. 20).
RECONCILED_FIELDS = ("company", "start_date", "end_date", "supervisor_name", "supervisor_phone")
PLATFORM_REQUIRED = ("id_number",)

COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
_HEADER_TO_FIELD = {
    normalise_header(name): column.field for column in COLUMNS for name in (column.header, *column.variants)
}


def field_of_header(text: str) -> str | None:
    """Return the field a header cell names, or None for a column not used here."""
    return _HEADER_TO_FIELD.get(normalise_header(text))
