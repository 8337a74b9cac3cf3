"""Validation of one roster row: every cell normalised, or every reason it is rejected."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from aidface.roster.idnumber import NUMERIC_CELL_MESSAGE, InvalidIdNumber, parse_id_number
from aidface.roster.models import AidStatus, Gender
from aidface.roster.reading import Cell, RawRow

GENDER_VALUES = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}
AID_STATUS_VALUES = {
    "受助": AidStatus.AIDED,
    "受助学生": AidStatus.AIDED,
    "已受助": AidStatus.AIDED,
    "是": AidStatus.AIDED,
    "拟受助": AidStatus.PROPOSED,
    "拟受助学生": AidStatus.PROPOSED,
    "拟资助": AidStatus.PROPOSED,
    "非受助": AidStatus.NOT_AIDED,
    "未受助": AidStatus.NOT_AIDED,
    "不受助": AidStatus.NOT_AIDED,
    "否": AidStatus.NOT_AIDED,
}
TEXT_LIMITS = {"name": 64, "student_number": 32, "grade": 32, "class_name": 64, "major": 64}
# A number cell keeps integers of up to 15 digits exactly, so a grade such as 2025 or
# a numeric 学籍号 may arrive as a number. A longer number may have lost digits.
EXACT_NUMBER_DIGITS = 15


@dataclass(frozen=True)
class RowResult:
    row_number: int
    values: dict[str, str]
    # The normalised ID number when it was valid, even if other cells were not.
    id_number: str | None
    reasons: tuple[str, ...]


def _where(cell: Cell) -> str:
    return f"“{cell.header}”列（{cell.column_label}）"


def _text(cell: Cell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    return unicodedata.normalize("NFKC", str(cell.value)).strip()


def _plain_text(cell: Cell, field_name: str, reasons: list[str]) -> str:
    """Return a cell as text, turning an exact integer into its digits."""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if len(str(abs(value))) > EXACT_NUMBER_DIGITS:
            reasons.append(f"{_where(cell)}是数字格式，超过 15 位的数字已丢失精度，请把该列设为文本格式后重新填写")
            return ""
        return str(value)
    if isinstance(value, float):
        reasons.append(f"{_where(cell)}是带小数的数字“{value}”，请填写文字")
        return ""
    text = _text(cell)
    if len(text) > TEXT_LIMITS.get(field_name, 64):
        reasons.append(f"{_where(cell)}超过 {TEXT_LIMITS.get(field_name, 64)} 个字")
        return ""
    return text


def validate_row(raw: RawRow, *, school_code: str, today: date) -> RowResult:
    reasons: list[str] = []
    values: dict[str, str] = {}
    cells = raw.cells

    name_cell = cells["name"]
    if name_cell.value is None:
        reasons.append(f"{_where(name_cell)}为空")
    else:
        values["name"] = _plain_text(name_cell, "name", reasons)

    id_cell = cells["id_number"]
    id_number = None
    if id_cell.is_number:
        reasons.append(f"{_where(id_cell)}{NUMERIC_CELL_MESSAGE}")
    else:
        try:
            id_number = parse_id_number(id_cell.text, today=today)
        except InvalidIdNumber as error:
            reasons.append(f"{_where(id_cell)}：{error.message}")
    if id_number is not None:
        values["id_number"] = id_number.value

    gender_cell = cells.get("gender")
    gender_text = _text(gender_cell)
    if gender_text:
        gender = GENDER_VALUES.get(gender_text)
        if gender is None:
            reasons.append(f"{_where(gender_cell)}“{gender_text}”无法识别，请填写“男”或“女”")
        elif id_number is not None and gender != id_number.gender:
            reasons.append(f"{_where(gender_cell)}“{gender_text}”与身份证号中的性别不一致，请核对")
        else:
            values["gender"] = gender
    elif id_number is not None:
        values["gender"] = id_number.gender

    school_cell = cells.get("school_code")
    if school_cell is not None and school_cell.value is not None:
        code = _plain_text(school_cell, "school_code", reasons)
        if code and code != school_code:
            reasons.append(f"{_where(school_cell)}“{code}”不是本次导入学校的标识码 {school_code}")

    for field_name in ("student_number", "grade", "class_name", "major"):
        cell = cells.get(field_name)
        if cell is not None:
            values[field_name] = _plain_text(cell, field_name, reasons)

    status_cell = cells["aid_status"]
    status_text = _text(status_cell)
    status = AID_STATUS_VALUES.get(status_text)
    if status is None:
        accepted = "、".join(f"“{label}”" for label in AidStatus.labels)
        described = f"“{status_text}”" if status_text else "为空"
        reasons.append(f"{_where(status_cell)}{described}无法识别，请填写{accepted}")
    else:
        values["aid_status"] = status

    return RowResult(
        row_number=raw.row_number,
        values=values,
        id_number=id_number.value if id_number is not None else None,
        reasons=tuple(reasons),
    )
