"""Columns of the national student-aid system's roster spreadsheet and their header variants."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    variants: tuple[str, ...]
    required: bool = False


# The export writes `header`, and the import also accepts every variant.
COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("学生姓名", "名字", "学生名称"), required=True),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "身份证件号", "身份证件号码", "证件号码", "证件号", "公民身份号码", "身份证"),
        required=True,
    ),
    Column("gender", "性别", ("学生性别",)),
    Column("student_number", "学籍号", ("全国学籍号", "学籍编号", "学生学籍号", "全国学籍号码")),
    Column("school_code", "学校标识码", ("学校代码", "学校编码", "学校标识")),
    Column("grade", "年级", ("入学年级", "所在年级")),
    Column("class_name", "班级", ("班级名称", "所在班级", "班别")),
    Column("major", "专业", ("专业名称", "所学专业")),
    Column("aid_status", "资助状态", ("受助状态", "是否受助", "资助类型状态"), required=True),
)

COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
_DECORATION = re.compile(r"[\s*＊:：]|[（(](必填|选填)[）)]")


def normalise_header(text: str) -> str:
    """Drop spaces, required-field stars, colons and (必填) notes from a header cell."""
    return _DECORATION.sub("", unicodedata.normalize("NFKC", text))


_HEADER_TO_FIELD = {
    normalise_header(name): column.field for column in COLUMNS for name in (column.header, *column.variants)
}


def field_of_header(text: str) -> str | None:
    """Return the field a header cell names, or None for an extra column."""
    return _HEADER_TO_FIELD.get(normalise_header(text))
