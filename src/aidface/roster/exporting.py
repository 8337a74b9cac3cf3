"""The roster as an .xlsx workbook in the layout the import reads.

ID numbers and other code-like values are written as text cells with the text number
format, so Excel neither shows them in scientific notation nor drops digits when the
file is edited and saved again.

Other apps add columns (the enrolment app adds 采集状态) by appending an `ExportColumn`
to `EXTRA_COLUMNS` in their AppConfig.ready().
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from aidface.org.models import School
from aidface.roster.columns import COLUMNS
from aidface.roster.models import Student

TEXT_FORMAT = "@"
ROWS_PER_QUERY = 2000


@dataclass(frozen=True)
class ExportColumn:
    header: str
    # Receives a batch of students and returns each student's cell text by primary key.
    values: Callable[[list[Student]], dict[int, str]]


EXTRA_COLUMNS: list[ExportColumn] = []


def _row_values(student: Student, school: School) -> list[str]:
    by_field = {
        "name": student.name,
        "id_number": student.id_number,
        "gender": student.get_gender_display(),
        "student_number": student.student_number,
        "school_code": school.code,
        "grade": student.grade,
        "class_name": student.class_name,
        "major": student.major,
        "aid_status": student.get_aid_status_display(),
    }
    return [by_field[column.field] for column in COLUMNS]


def build_workbook(*, school: School, students: Iterable[Student]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学生名册")
    header_font = Font(bold=True)

    headers = [column.header for column in COLUMNS] + [column.header for column in EXTRA_COLUMNS]
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = header_font
        header_cells.append(cell)
    sheet.append(header_cells)

    batch: list[Student] = []
    for student in students.iterator(chunk_size=ROWS_PER_QUERY) if hasattr(students, "iterator") else students:
        batch.append(student)
        if len(batch) == ROWS_PER_QUERY:
            _append_batch(sheet, batch, school)
            batch = []
    _append_batch(sheet, batch, school)

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _append_batch(sheet, students: list[Student], school: School) -> None:
    if not students:
        return
    extra_values = [column.values(students) for column in EXTRA_COLUMNS]
    for student in students:
        texts = _row_values(student, school) + [values.get(student.pk, "") for values in extra_values]
        cells = []
        for text in texts:
            cell = WriteOnlyCell(sheet, value=text)
            # A string cell is never evaluated, so a value starting with "=" stays text.
            cell.data_type = "s"
            cell.number_format = TEXT_FORMAT
            cells.append(cell)
        sheet.append(cells)
