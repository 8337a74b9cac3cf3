"""Reading internship spreadsheets (.xlsx, and .csv for the platform export) into rows of raw cells.

The roster's reader supplies the workbook and CSV reading and the error type; the header
search is the same idea with the internship columns.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from aidface.internships.columns import COLUMN_BY_FIELD, field_of_header
from aidface.roster.reading import RosterFileError, body_rows, csv_rows, xlsx_rows

HEADER_SEARCH_ROWS = 20
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

# The same error as the roster reader: a file that cannot be read, with a Chinese `message`.
SheetFileError = RosterFileError


@dataclass(frozen=True)
class SheetRow:
    row_number: int
    values: dict[str, object]


@dataclass
class Sheet:
    rows: list[SheetRow]
    present_fields: set[str] = field(default_factory=set)
    extra_headers: list[str] = field(default_factory=list)


def read_sheet(content: bytes, file_name: str, *, required: Iterable[str], allow_csv: bool) -> Sheet:
    """Read the first worksheet (or a CSV file) and return its rows keyed by field. Raises SheetFileError."""
    if len(content) > MAX_FILE_BYTES:
        raise SheetFileError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请分批处理。")
    lower_name = file_name.lower()
    if lower_name.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetFileError("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再上传。")
    if content.startswith(b"PK\x03\x04"):
        return _sheet(xlsx_rows(content, kind="internship"), required=tuple(required))
    if lower_name.endswith(".xlsx"):
        raise SheetFileError("文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请重新导出。")
    if not allow_csv:
        raise SheetFileError("只能上传 .xlsx 文件，请用本页提供的模板填写。")
    return _sheet(csv_rows(content), required=tuple(required))


def _sheet(rows: Iterator[tuple[int, tuple]], *, required: tuple[str, ...]) -> Sheet:
    header_fields: dict[int, str] = {}
    extra_headers: list[str] = []
    for row_number, values in rows:
        if row_number > HEADER_SEARCH_ROWS:
            break
        texts = {index: str(value).strip() for index, value in enumerate(values) if value is not None and str(value).strip()}
        fields = {index: field_of_header(text) for index, text in texts.items()}
        if "id_number" in fields.values():
            for index, field_name in fields.items():
                if field_name is None or field_name in header_fields.values():
                    extra_headers.append(texts[index])
                else:
                    header_fields[index] = field_name
            break

    if not header_fields:
        raise SheetFileError(f"在文件前 {HEADER_SEARCH_ROWS} 行中没有找到表头，表头至少要有“身份证号”列。")
    missing = [COLUMN_BY_FIELD[name] for name in required if name not in header_fields.values()]
    if missing:
        described = "、".join(f"“{column.header}”" for column in missing)
        raise SheetFileError(f"表头缺少必填列：{described}。请使用本页提供的模板，或补齐这些列后重新上传。")

    sheet = Sheet(rows=[], present_fields=set(header_fields.values()), extra_headers=extra_headers)
    for row_number, values in body_rows(rows, header_fields):
        if len(sheet.rows) == MAX_ROWS:
            raise SheetFileError(f"文件超过 {MAX_ROWS} 行，请分成几个文件后分批处理。")
        sheet.rows.append(SheetRow(row_number, {header_fields[index]: value for index, value in values.items()}))
    return sheet
