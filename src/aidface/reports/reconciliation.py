"""Reconciliation against a roster exported from the national student-aid system (Art. 5).

The file is read with the roster import's column recognition (`aidface.roster.reading`),
so every header variant the import accepts works here too. Students are matched by ID
number. The report lists:

- students in the national roster but not in this system's records in scope,
- aid students of this system (受助 or 拟受助) missing from the national roster,
- mismatches of a matched student: name, school, aid status, and a student whose aid
  this system cancelled for the semester (Art. 11) while the national roster still
  shows 受助 or 拟受助.

Rows of the file that cannot be read (invalid ID number, unknown status) are listed as
such and take part in no comparison.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from aidface.eligibility.models import SemesterEligibility
from aidface.reports.workbook import SheetWriter, new_workbook, to_bytes
from aidface.roster.idnumber import NUMERIC_CELL_MESSAGE, InvalidIdNumber, parse_id_number
from aidface.roster.models import AidStatus, Semester, Student
from aidface.roster.reading import read_roster
from aidface.roster.validation import AID_STATUS_VALUES

IDS_PER_QUERY = 5000
AID_STATES = (AidStatus.AIDED, AidStatus.PROPOSED)
_AID_LABELS = dict(AidStatus.choices)


@dataclass(frozen=True)
class NationalRow:
    row_number: int
    name: str
    id_number: str
    school_code: str
    aid_status: str


@dataclass(frozen=True)
class Mismatch:
    id_number: str
    name: str
    school_code: str
    field: str
    ours: str
    national: str


@dataclass
class Reconciliation:
    only_national: list[NationalRow] = field(default_factory=list)
    # (school code, school name, student name, ID number, aid status label) of our students missing nationally.
    only_ours: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    # (row number, reason) of rows that could not be read.
    unreadable: list[tuple[int, str]] = field(default_factory=list)
    matched: int = 0
    national_rows: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {
            "national_rows": self.national_rows,
            "matched": self.matched,
            "only_national": len(self.only_national),
            "only_ours": len(self.only_ours),
            "mismatches": len(self.mismatches),
            "unreadable": len(self.unreadable),
        }


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_national_roster(content: bytes, file_name: str) -> tuple[list[NationalRow], list[tuple[int, str]]]:
    """Read the national roster file; raise RosterFileError (Chinese message) when it is not a roster."""
    sheet = read_roster(content, file_name)
    rows: list[NationalRow] = []
    unreadable: list[tuple[int, str]] = []
    for raw in sheet.rows:
        id_cell = raw.cells["id_number"]
        if id_cell.is_number:
            unreadable.append((raw.row_number, f"身份证号{NUMERIC_CELL_MESSAGE}"))
            continue
        try:
            id_number = parse_id_number(id_cell.text).value
        except InvalidIdNumber as error:
            unreadable.append((raw.row_number, error.message))
            continue
        status_text = _text(raw.cells["aid_status"].value)
        status = AID_STATUS_VALUES.get(status_text)
        if status is None:
            unreadable.append((raw.row_number, f"资助状态“{status_text}”无法识别"))
            continue
        school_cell = raw.cells.get("school_code")
        rows.append(
            NationalRow(
                row_number=raw.row_number,
                name=_text(raw.cells["name"].value),
                id_number=id_number,
                school_code=_text(school_cell.value) if school_cell is not None else "",
                aid_status=status,
            )
        )
    return rows, unreadable


def reconcile(*, rows: Sequence[NationalRow], unreadable: list[tuple[int, str]], school_ids: Sequence[int],
              semester: Semester | None) -> Reconciliation:
    """Compare the national rows with the students of the given schools (the caller's jurisdiction)."""
    result = Reconciliation(unreadable=list(unreadable), national_rows=len(rows) + len(unreadable))
    national = {row.id_number: row for row in rows}

    ours: dict[str, tuple] = {}
    queryset = Student.objects.filter(school_id__in=school_ids).values_list(
        "pk", "id_number", "name", "aid_status", "school__code", "school__name"
    )
    for values in queryset.iterator(chunk_size=IDS_PER_QUERY):
        ours[values[1]] = values

    cancelled: set[int] = set()
    if semester is not None:
        cancelled = set(
            SemesterEligibility.objects.filter(semester=semester, school_id__in=school_ids, eligible=False).values_list(
                "student_id", flat=True
            )
        )

    for id_number, row in national.items():
        mine = ours.get(id_number)
        if mine is None:
            result.only_national.append(row)
            continue
        result.matched += 1
        student_id, _, name, aid_status, school_code, _school_name = mine
        if row.name and row.name != name:
            result.mismatches.append(Mismatch(id_number, name, school_code, "姓名", name, row.name))
        if row.school_code and row.school_code != school_code:
            result.mismatches.append(Mismatch(id_number, name, school_code, "学校标识码", school_code, row.school_code))
        if row.aid_status != aid_status:
            result.mismatches.append(
                Mismatch(id_number, name, school_code, "资助状态", _AID_LABELS[aid_status], _AID_LABELS[row.aid_status])
            )
        if student_id in cancelled and row.aid_status in AID_STATES:
            result.mismatches.append(
                Mismatch(id_number, name, school_code, "受助资格", "本学期已取消受助资格", _AID_LABELS[row.aid_status])
            )

    for id_number, (_, _, name, aid_status, school_code, school_name) in sorted(ours.items(), key=lambda item: (item[1][4], item[1][2])):
        if aid_status in AID_STATES and id_number not in national:
            result.only_ours.append((school_code, school_name, name, id_number, _AID_LABELS[aid_status]))
    return result


def reconciliation_workbook(result: Reconciliation, *, semester: Semester | None) -> bytes:
    workbook = new_workbook()
    summary = SheetWriter(workbook, "核对汇总", ("项目", "人数"), widths=(36, 10))
    summary.append(["全国系统名单行数", result.national_rows])
    summary.append(["双方一致匹配的学生", result.matched])
    summary.append(["全国系统有、本系统无", len(result.only_national)])
    summary.append(["本系统有（受助或拟受助）、全国系统无", len(result.only_ours)])
    summary.append(["信息或状态不一致", len(result.mismatches)])
    summary.append(["无法识别的行", len(result.unreadable)])
    summary.append(["核对学期", str(semester) if semester else "未选择"])

    only_national = SheetWriter(
        workbook, "全国系统有本系统无", ("行号", "学校标识码", "姓名", "身份证号", "资助状态"), widths=(8, 14, 10, 22, 10)
    )
    for row in result.only_national:
        only_national.append([row.row_number, row.school_code, row.name, row.id_number, _AID_LABELS[row.aid_status]])

    only_ours = SheetWriter(
        workbook, "本系统有全国系统无", ("学校标识码", "学校名称", "姓名", "身份证号", "资助状态"), widths=(14, 28, 10, 22, 10)
    )
    for values in result.only_ours:
        only_ours.append(values)

    mismatches = SheetWriter(
        workbook, "信息不一致", ("学校标识码", "姓名", "身份证号", "不一致项", "本系统", "全国系统"), widths=(14, 10, 22, 12, 22, 22)
    )
    for item in result.mismatches:
        mismatches.append([item.school_code, item.name, item.id_number, item.field, item.ours, item.national])

    unreadable = SheetWriter(workbook, "无法识别的行", ("行号", "原因"), widths=(8, 60))
    for row_number, reason in result.unreadable:
        unreadable.append([row_number, reason])
    return to_bytes(workbook)
