"""Planning a roster import: which rows add, update, leave unchanged or are rejected.

A plan is computed from the file and the database without writing anything. The
import service applies it in one transaction after the operator confirms. Students
on the roster but missing from the file stay, because the national system's export
may cover only some grades.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from aidface.org.models import School
from aidface.roster.columns import COLUMN_BY_FIELD
from aidface.roster.idnumber import mask
from aidface.roster.models import Student
from aidface.roster.reading import RosterSheet
from aidface.roster.validation import RowResult, validate_row

COMPARED_FIELDS = ("name", "gender", "student_number", "grade", "class_name", "major", "aid_status")
# Ids per query, below SQLite's limit of host parameters.
LOOKUP_CHUNK = 2000


@dataclass(frozen=True)
class PlannedRow:
    row_number: int
    values: dict[str, str]
    student_id: int | None = None
    changed_fields: tuple[str, ...] = ()

    @property
    def masked_id_number(self) -> str:
        return mask(self.values["id_number"])

    @property
    def changed_labels(self) -> str:
        return "、".join(COLUMN_BY_FIELD[name].header for name in self.changed_fields)


@dataclass(frozen=True)
class Rejection:
    """One rejected row, or several rows that share one ID number (one conflict)."""

    row_numbers: tuple[int, ...]
    reasons: tuple[str, ...]
    name: str = ""
    masked_id_number: str = ""

    @property
    def rows_label(self) -> str:
        return "、".join(str(number) for number in self.row_numbers)


@dataclass
class ImportPlan:
    added: list[PlannedRow] = field(default_factory=list)
    updated: list[PlannedRow] = field(default_factory=list)
    unchanged: list[PlannedRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)
    present_fields: set[str] = field(default_factory=set)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
        }


def build_plan(sheet: RosterSheet, *, school: School, today: date) -> ImportPlan:
    plan = ImportPlan(extra_headers=sheet.extra_headers, present_fields=sheet.present_fields)
    results = [validate_row(raw, school_code=school.code, today=today) for raw in sheet.rows]

    by_id_number: dict[str, list[RowResult]] = defaultdict(list)
    for result in results:
        if result.id_number is None:
            plan.rejected.append(_rejection([result], result.reasons))
        else:
            by_id_number[result.id_number].append(result)

    accepted: dict[str, RowResult] = {}
    for id_number, group in by_id_number.items():
        if len(group) > 1:
            rows = "、".join(str(result.row_number) for result in group)
            conflict = f"第 {rows} 行的身份证号相同，同一学生只能出现一次，请保留正确的一行后重新导入"
            other_reasons = tuple(reason for result in group for reason in result.reasons)
            plan.rejected.append(_rejection(group, (conflict, *other_reasons)))
        elif group[0].reasons:
            plan.rejected.append(_rejection(group, group[0].reasons))
        else:
            accepted[id_number] = group[0]

    existing = _students_by_id_number(list(accepted))
    compared = [name for name in COMPARED_FIELDS if name in sheet.present_fields or name == "gender"]
    for id_number, result in sorted(accepted.items(), key=lambda item: item[1].row_number):
        student = existing.get(id_number)
        if student is None:
            plan.added.append(PlannedRow(result.row_number, result.values))
        elif student.school_id != school.pk:
            reason = "该身份证号已在本省其他学校的名册中，同一学生不能属于两所学校；请核实学籍，或联系同级资助部门处理"
            plan.rejected.append(_rejection([result], (reason,)))
        else:
            changed = tuple(name for name in compared if getattr(student, name) != result.values.get(name, ""))
            row = PlannedRow(result.row_number, result.values, student.pk, changed)
            (plan.updated if changed else plan.unchanged).append(row)

    plan.rejected.sort(key=lambda rejection: rejection.row_numbers)
    return plan


def _rejection(results: list[RowResult], reasons: tuple[str, ...]) -> Rejection:
    first = results[0]
    return Rejection(
        row_numbers=tuple(result.row_number for result in results),
        reasons=reasons,
        name=first.values.get("name", ""),
        masked_id_number=mask(first.id_number) if first.id_number else "",
    )


def _students_by_id_number(id_numbers: list[str]) -> dict[str, Student]:
    found: dict[str, Student] = {}
    for start in range(0, len(id_numbers), LOOKUP_CHUNK):
        chunk = id_numbers[start : start + LOOKUP_CHUNK]
        matching = Student.objects.filter(id_number__in=chunk).order_by()
        for student in matching.only("school_id", "id_number", *COMPARED_FIELDS):
            found[student.id_number] = student
    return found


def apply_plan(plan: ImportPlan, *, school: School) -> None:
    """Write a plan's additions and updates inside the caller's transaction."""
    Student.objects.bulk_create(
        [Student(school=school, **_new_student_values(row.values)) for row in plan.added],
        batch_size=1000,
    )

    now = timezone.now()
    fields_by_change: dict[tuple[str, ...], list[Student]] = defaultdict(list)
    for row in plan.updated:
        student = Student(pk=row.student_id, school=school, updated_at=now)
        for name in row.changed_fields:
            setattr(student, name, row.values.get(name, ""))
        fields_by_change[row.changed_fields].append(student)
    for changed_fields, students in fields_by_change.items():
        Student.objects.bulk_update(students, [*changed_fields, "updated_at"], batch_size=1000)


def _new_student_values(values: dict[str, str]) -> dict[str, str]:
    return {name: values.get(name, "") for name in ("id_number", *COMPARED_FIELDS)}
