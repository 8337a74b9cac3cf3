"""Validation of the fields of an internship record (Art. 19), shared by the page form and the import.

`validate_fields` turns raw values (text typed on a page, or cells of a spreadsheet) into
clean values and gives every invalid field its own Chinese message, so one pass tells
the operator everything that must be corrected.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from aidface.org.models import CoordSystem

LABELS = {
    "name": "实习人姓名",
    "id_number": "身份证号",
    "grade": "年级",
    "class_name": "班级",
    "company": "实习单位",
    "address": "实习地点",
    "latitude": "纬度",
    "longitude": "经度",
    "coord_system": "坐标系",
    "supervisor_name": "负责人",
    "supervisor_phone": "负责人联系方式",
    "start_date": "实习开始日期",
    "end_date": "实习结束日期",
}
TEXT_LIMITS = {"grade": 32, "class_name": 64, "company": 128, "address": 255, "supervisor_name": 64}
REQUIRED_TEXT = ("grade", "class_name", "company", "address", "supervisor_name")

# Mainland mobile numbers: 11 digits starting 13–19. Landlines: a 3- or 4-digit area code
# starting with 0, then a 7- or 8-digit local number, optionally an extension.
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(0\d{2,3})-?([2-9]\d{6,7})(?:-(\d{1,6}))?$")
_PHONE_DECORATION = re.compile(r"[\s\u00a0\u3000]")
_PARENTHESISED_AREA = re.compile(r"^\((0\d{2,3})\)-?")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
COORD_SYSTEM_VALUES = {
    **{value: value for value in CoordSystem.values},
    "WGS-84": CoordSystem.WGS84,
    "WGS84": CoordSystem.WGS84,
    "GPS": CoordSystem.WGS84,
    "GCJ-02": CoordSystem.GCJ02,
    "GCJ02": CoordSystem.GCJ02,
    "国测局": CoordSystem.GCJ02,
    "高德": CoordSystem.GCJ02,
    "BD-09": CoordSystem.BD09,
    "BD09": CoordSystem.BD09,
    "百度": CoordSystem.BD09,
}


@dataclass
class FieldsResult:
    """Clean values of the valid fields and one message per invalid field."""

    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def text_of(value: object) -> str:
    """Return a raw value as trimmed half-width text; an integral float becomes its digits."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalise_phone(value: object) -> str:
    """Return the phone number without spaces, with "(0371)" written as "0371-"."""
    text = _PHONE_DECORATION.sub("", text_of(value))
    return _PARENTHESISED_AREA.sub(r"\1-", text)


def parse_phone(value: object) -> str:
    """Return a valid mobile or landline number in its stored form, or raise ValueError with the message."""
    text = normalise_phone(value)
    if not text:
        raise ValueError("请填写负责人联系方式")
    if MOBILE.match(text):
        return text
    landline = LANDLINE.match(text)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    if text.isdigit() and text.startswith("1"):
        raise ValueError(f"负责人联系方式“{text}”不是有效的手机号，手机号应为以 13–19 开头的 11 位数字")
    raise ValueError(
        f"负责人联系方式“{text}”格式不正确，请填写 11 位手机号，或带区号的固定电话（如 0371-65432100）"
    )


def parse_date(value: object, label: str) -> date:
    """Return a date from a date cell or text such as 2026-04-01, or raise ValueError with the message."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = text_of(value)
    if not text:
        raise ValueError(f"请填写{label}")
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{label}“{text}”不是有效的日期，请按 2026-04-01 的格式填写")


def _parse_coordinate(value: object, label: str, low: int, high: int) -> Decimal:
    text = text_of(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label}“{text}”不是数字，请填写以度为单位的小数，如 34.746600") from None
    if not number.is_finite() or not low <= number <= high:
        raise ValueError(f"{label} {text} 超出范围，应在 {low} 到 {high} 度之间")
    return number.quantize(Decimal("0.000001"))


def validate_fields(raw: dict[str, object]) -> FieldsResult:
    """Validate the record fields in `raw` (grade to end_date; identity is checked by the caller)."""
    result = FieldsResult()

    for name in REQUIRED_TEXT:
        text = text_of(raw.get(name))
        label = LABELS[name]
        if not text:
            result.errors[name] = f"请填写{label}"
        elif len(text) > TEXT_LIMITS[name]:
            result.errors[name] = f"{label}不能超过 {TEXT_LIMITS[name]} 个字，现为 {len(text)} 个字"
        else:
            result.values[name] = text

    try:
        result.values["supervisor_phone"] = parse_phone(raw.get("supervisor_phone"))
    except ValueError as error:
        result.errors["supervisor_phone"] = str(error)

    _validate_point(raw, result)
    _validate_dates(raw, result)
    return result


def _validate_point(raw: dict[str, object], result: FieldsResult) -> None:
    """The location point is optional, but latitude, longitude and coordinate system go together."""
    given = {name: text_of(raw.get(name)) for name in ("latitude", "longitude", "coord_system")}
    if not any(given.values()):
        result.values.update(latitude=None, longitude=None, coord_system="")
        return

    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        if not given[name]:
            result.errors[name] = f"填写实习地点坐标时须同时填写{LABELS[name]}"
            continue
        try:
            result.values[name] = _parse_coordinate(given[name], LABELS[name], low, high)
        except ValueError as error:
            result.errors[name] = str(error)

    system = COORD_SYSTEM_VALUES.get(given["coord_system"].upper()) or COORD_SYSTEM_VALUES.get(given["coord_system"])
    if not given["coord_system"]:
        result.errors["coord_system"] = "填写实习地点坐标时须选择坐标系（WGS-84、GCJ-02 或 BD-09）"
    elif system is None:
        result.errors["coord_system"] = f"坐标系“{given['coord_system']}”无法识别，请填写 WGS-84、GCJ-02 或 BD-09"
    else:
        result.values["coord_system"] = str(system)


def _validate_dates(raw: dict[str, object], result: FieldsResult) -> None:
    for name in ("start_date", "end_date"):
        try:
            result.values[name] = parse_date(raw.get(name), LABELS[name])
        except ValueError as error:
            result.errors[name] = str(error)
    start, end = result.values.get("start_date"), result.values.get("end_date")
    if start and end and end < start:
        result.errors["end_date"] = f"实习结束日期 {end:%Y-%m-%d} 早于开始日期 {start:%Y-%m-%d}，请核对"
        del result.values["end_date"]
