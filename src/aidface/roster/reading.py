"""Reading roster spreadsheets (.xlsx and .csv) into rows of raw cells.

Cells keep the type the file gave them, so the validation can reject an ID number
that a spreadsheet stored as a number instead of guessing its lost digits.
"""
from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from aidface.roster.columns import COLUMNS, field_of_header

logger = logging.getLogger(__name__)

# The national system's exports may start with a title block above the header row.
HEADER_SEARCH_ROWS = 20
MAX_FILE_BYTES = 50 * 1024 * 1024
# A school's roster is far smaller. The limit bounds memory for a file that decompresses
# to far more rows than its size suggests.
MAX_ROWS = 200_000


class RosterFileError(ValueError):
    """A file that cannot be read as a roster, with a Chinese `message` for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Cell:
    value: object
    # The column as the operator sees it: a letter for .xlsx, a number for .csv.
    column_label: str
    header: str

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, int | float) and not isinstance(self.value, bool)

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class RawRow:
    row_number: int
    cells: dict[str, Cell]


@dataclass
class RosterSheet:
    rows: list[RawRow]
    # Header cells of columns the roster does not use, shown in the preview.
    extra_headers: list[str] = field(default_factory=list)
    present_fields: set[str] = field(default_factory=set)


def read_roster(content: bytes, file_name: str) -> RosterSheet:
    """Read an uploaded roster file, or raise RosterFileError saying what is wrong."""
    if len(content) > MAX_FILE_BYTES:
        raise RosterFileError(f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，请分批导入。")
    lower_name = file_name.lower()
    if lower_name.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入。")
    if content.startswith(b"PK\x03\x04"):
        return _sheet_from_rows(xlsx_rows(content), column_label=lambda index: f"{get_column_letter(index)} 列")
    if lower_name.endswith(".xlsx"):
        raise RosterFileError("文件扩展名是 .xlsx，但内容不是 Excel 工作簿，请重新导出。")
    return _sheet_from_rows(csv_rows(content), column_label=lambda index: f"第 {index} 列")


def xlsx_rows(content: bytes, *, kind: str = "roster") -> Iterator[tuple[int, tuple]]:
    """Yield (row number, values) of the first worksheet, as the operator numbers rows in Excel.

    `kind` names the file in the log. Raises RosterFileError.
    """
    try:
        # Read-only mode streams the sheet, so a 100,000-row roster is not held as cell objects.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as error:
        logger.info("unreadable %s workbook: %s", kind, error)
        raise RosterFileError("无法读取该 Excel 文件，请确认文件完整且为 .xlsx 格式。") from error
    try:
        sheet = workbook.worksheets[0]
        for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield row_number, values
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, ParseError) as error:
        logger.info("unreadable %s worksheet: %s", kind, error)
        raise RosterFileError("无法读取该 Excel 文件，请确认文件完整且为 .xlsx 格式。") from error
    finally:
        workbook.close()


def decode_csv(content: bytes) -> str:
    """Decode CSV bytes: UTF-8 with or without a BOM, otherwise GB18030 (which covers GBK)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GB18030 编码后再导入。") from None


def csv_rows(content: bytes) -> Iterator[tuple[int, tuple]]:
    """Yield (row number, values) of a CSV file, comma- or tab-separated. Raises RosterFileError."""
    text = decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            yield reader.line_num, tuple(values)
    except csv.Error as error:
        raise RosterFileError(f"CSV 文件第 {reader.line_num} 行格式错误，请检查引号是否成对。") from error


def _sheet_from_rows(rows: Iterator[tuple[int, tuple]], *, column_label) -> RosterSheet:
    header_fields: dict[int, str] = {}
    header_texts: dict[int, str] = {}
    extra_headers: list[str] = []
    for row_number, values in rows:
        if row_number > HEADER_SEARCH_ROWS:
            break
        texts = {index: str(value).strip() for index, value in enumerate(values) if value is not None}
        fields = {index: field_of_header(text) for index, text in texts.items() if text}
        if {"name", "id_number"} <= set(fields.values()):
            for index, field_name in fields.items():
                # A column the roster does not use, or a second column for the same field,
                # is ignored and listed in the preview.
                if field_name is None or field_name in header_fields.values():
                    extra_headers.append(texts[index])
                else:
                    header_fields[index] = field_name
                    header_texts[index] = texts[index]
            break

    if not header_fields:
        names = "、".join(f"“{column.header}”" for column in COLUMNS if column.required)
        raise RosterFileError(f"在文件前 {HEADER_SEARCH_ROWS} 行中没有找到表头，表头至少要有{names}等列。")
    missing = [column for column in COLUMNS if column.required and column.field not in header_fields.values()]
    if missing:
        described = "；".join(
            f"“{column.header}”（也可写作{'、'.join(column.variants[:3])}）" for column in missing
        )
        raise RosterFileError(f"表头缺少必填列：{described}。")

    sheet = RosterSheet(rows=[], extra_headers=extra_headers, present_fields=set(header_fields.values()))
    for row_number, values in body_rows(rows, header_fields):
        if len(sheet.rows) == MAX_ROWS:
            raise RosterFileError(f"文件超过 {MAX_ROWS} 行，请按年级分成几个文件后分批导入。")
        cells = {
            header_fields[index]: Cell(value, column_label(index + 1), header_texts[index])
            for index, value in values.items()
        }
        sheet.rows.append(RawRow(row_number, cells))
    return sheet


def body_rows(rows: Iterator[tuple[int, tuple]], columns: Iterable[int]) -> Iterator[tuple[int, dict[int, object]]]:
    """Yield (row number, value per column index) of the rows below the header.

    Only the given `columns` are read; blank text reads as None, and a row with no value
    in any of them is left out.
    """
    columns = tuple(columns)
    for row_number, values in rows:
        cells: dict[int, object] = {}
        for index in columns:
            value = values[index] if index < len(values) else None
            if isinstance(value, str) and value.strip() == "":
                value = None
            cells[index] = value
        if any(value is not None for value in cells.values()):
            yield row_number, cells
