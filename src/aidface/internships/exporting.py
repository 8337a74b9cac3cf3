"""Workbooks of the internships app: the blank import template and the reconciliation report.

ID numbers and phone numbers are written as text cells, so Excel neither rounds them
nor shows them in scientific notation.
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from aidface.internships.columns import COLUMNS, RECONCILED_FIELDS
from aidface.internships.reconciling import STATUS_LABELS, ReconciliationResult, Status
from aidface.internships.validation import LABELS
from aidface.org.models import School

TEXT_FORMAT = "@"
REPORT_HEADERS = ("序号", "核对结果", "实习人姓名", "身份证号", "差异项", "本系统", "备案平台", "平台文件行号", "说明")
MISMATCH_FILL = PatternFill("solid", fgColor="FDE2E1")


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_template() -> bytes:
    """Return an empty import workbook with the header row and text-formatted code columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "岗位实习"
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header if column.required else f"{column.header}（选填）")
        cell.font = bold
        sheet.column_dimensions[cell.column_letter].width = 18
        if column.field in ("id_number", "supervisor_phone"):
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = TEXT_FORMAT
    return _save(workbook)


def build_report(result: ReconciliationResult, *, school: School, file_name: str, skipped_fields: list[str]) -> bytes:
    """Return the reconciliation report: one row per difference or missing record, then a summary sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "核对结果"
    sheet.append(REPORT_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)

    number = 0
    for row in result.problems:
        number += 1
        base = [number, row.status_label, row.name, row.id_number]
        if row.status == Status.MISMATCH:
            for difference in row.differences:
                sheet.append([*base, difference.label, difference.ours, difference.platform, row.platform_row, ""])
                for cell in sheet[sheet.max_row]:
                    cell.fill = MISMATCH_FILL
        else:
            sheet.append([*base, "", "", "", row.platform_row, row.note])
    for cells in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        cells[0].number_format = TEXT_FORMAT
    for letter, width in zip("ABCDEFGHI", (6, 16, 12, 22, 16, 30, 30, 12, 50), strict=True):
        sheet.column_dimensions[letter].width = width

    summary = workbook.create_sheet("汇总")
    summary.append(("学校", school.name))
    summary.append(("平台导出文件", file_name))
    for status, label in STATUS_LABELS.items():
        summary.append((label, result.counts[status]))
    compared = "、".join(LABELS[name] for name in RECONCILED_FIELDS if name not in skipped_fields)
    summary.append(("核对项目", compared))
    if skipped_fields:
        summary.append(("未核对（平台文件无此列）", "、".join(LABELS[name] for name in skipped_fields)))
    return _save(workbook)
