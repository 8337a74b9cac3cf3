"""Write-only .xlsx helpers in the national student-aid system's layout.

Every text cell is written as a string cell with the text number format "@", so ID
numbers, school codes and 学籍号 stay text. Excel then neither shows them in scientific
notation nor drops digits, and a value starting with "=" is never evaluated. Counts are written as
numbers. Write-only mode streams rows to the file, so a province-wide export never holds
its cells in memory.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

TEXT_FORMAT = "@"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel limits a sheet name to 31 characters and forbids some punctuation.
_SHEET_NAME_FORBIDDEN = str.maketrans({character: "_" for character in "[]:*?/\\"})


class SheetWriter:
    """One worksheet of a write-only workbook: a bold header row, then text or number rows."""

    def __init__(self, workbook: Workbook, title: str, headers: Sequence[str], *, widths: Sequence[int] = ()) -> None:
        self.sheet = workbook.create_sheet(title.translate(_SHEET_NAME_FORBIDDEN)[:31])
        for index, width in enumerate(widths):
            self.sheet.column_dimensions[_column_letter(index)].width = width
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(self.sheet, value=header)
            cell.font = bold
            header_cells.append(cell)
        self.sheet.append(header_cells)
        self.rows = 0

    def append(self, values: Iterable[object]) -> None:
        """Append a row: int values become number cells, everything else a text cell."""
        cells = []
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool):
                cells.append(WriteOnlyCell(self.sheet, value=value))
                continue
            cell = WriteOnlyCell(self.sheet, value="" if value is None else str(value))
            cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
            cells.append(cell)
        self.sheet.append(cells)
        self.rows += 1


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def to_bytes(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
