"""Planning an internship import: which rows add a record, change one, leave one unchanged or are rejected.

A plan is computed from the file and the database without writing anything; the import
service applies it in one transaction after the operator confirms. A row changes an
existing record of the same student with the same start date; other rows add draft
records. Every change keeps its history like a change made on the record's page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from aidface.internships.models import TRACKED_FIELDS, UPDATABLE_AFTER_FILING, InternshipRecord
from aidface.internships.reading import Sheet
from aidface.internships.services import find_student, save_change, snapshot
from aidface.internships.validation import LABELS, validate_fields
from aidface.org.models import School
from aidface.roster.idnumber import mask


@dataclass(frozen=True)
class PlannedRow:
    row_number: int
    name: str
    id_number: str
    student_id: int
    values: dict[str, object]
    record_id: int | None = None
    changed_fields: tuple[str, ...] = ()

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number)

    @property
    def changed_labels(self) -> str:
        return "、".join(LABELS[name] for name in self.changed_fields)


@dataclass(frozen=True)
class Rejection:
    row_number: int
    name: str
    masked_id_number: str
    reasons: tuple[str, ...]

    @property
    def rows_label(self) -> str:
        return str(self.row_number)


@dataclass
class ImportPlan:
    added: list[PlannedRow] = field(default_factory=list)
    updated: list[PlannedRow] = field(default_factory=list)
    unchanged: list[PlannedRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    extra_headers: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
        }


def build_plan(sheet: Sheet, *, school: School, today: date) -> ImportPlan:
    plan = ImportPlan(extra_headers=sheet.extra_headers)
    # Periods accepted so far in this file, per student, to reject overlapping rows.
    accepted_periods: dict[int, list[tuple[date, date, int]]] = {}

    for row in sheet.rows:
        student, errors = find_student(school=school, name=row.values.get("name"), id_number=row.values.get("id_number"), today=today)
        checked = validate_fields(row.values)
        errors.update(checked.errors)
        name = str(row.values.get("name") or "").strip()
        masked = mask(student.id_number) if student else ""
        if errors:
            plan.rejected.append(Rejection(row.row_number, name, masked, _ordered(errors)))
            continue

        start, end = checked.values["start_date"], checked.values["end_date"]
        for other_start, other_end, other_row in accepted_periods.get(student.pk, []):
            if other_start <= end and start <= other_end:
                reason = f"与第 {other_row} 行是同一学生，实习时间重叠，请保留正确的一行"
                plan.rejected.append(Rejection(row.row_number, name, masked, (reason,)))
                break
        else:
            _plan_row(plan, row.row_number, student, checked.values)
            accepted_periods.setdefault(student.pk, []).append((start, end, row.row_number))
    return plan


def _ordered(errors: dict[str, str]) -> tuple[str, ...]:
    order = ["name", "id_number", *TRACKED_FIELDS]
    return tuple(errors[name] for name in sorted(errors, key=lambda name: order.index(name) if name in order else len(order)))


def _plan_row(plan: ImportPlan, row_number: int, student, values: dict[str, object]) -> None:
    start, end = values["start_date"], values["end_date"]
    records = list(InternshipRecord.objects.filter(student=student, start_date__lte=end, end_date__gte=start))
    same_start = next((item for item in records if item.start_date == start), None)
    planned = {"row_number": row_number, "name": student.name, "id_number": student.id_number, "student_id": student.pk, "values": values}

    if same_start is None:
        if records:
            other = records[0]
            reason = (
                f"该学生已有 {other.start_date:%Y-%m-%d} 至 {other.end_date:%Y-%m-%d} 在“{other.company}”的实习记录，"
                "与本行时间重叠；如要修改该记录，请保持开始日期不变"
            )
            plan.rejected.append(Rejection(row_number, student.name, mask(student.id_number), (reason,)))
        else:
            plan.added.append(PlannedRow(**planned))
        return
    if len(records) > 1:
        others = [item for item in records if item.pk != same_start.pk]
        reason = f"新的结束日期与该学生 {others[0].start_date:%Y-%m-%d} 开始的另一条实习记录重叠，请核对日期"
        plan.rejected.append(Rejection(row_number, student.name, mask(student.id_number), (reason,)))
        return

    before = snapshot(same_start)
    after = snapshot(InternshipRecord(**{name: values.get(name) for name in TRACKED_FIELDS}))
    changed = tuple(name for name in TRACKED_FIELDS if before[name] != after[name])
    if same_start.is_filed:
        locked = [name for name in changed if name not in UPDATABLE_AFTER_FILING]
        if locked:
            labels = "、".join(LABELS[name] for name in locked)
            reason = f"该实习记录已备案，不能通过导入修改{labels}；如确需修改，请联系同级资助部门退回后再改"
            plan.rejected.append(Rejection(row_number, student.name, mask(student.id_number), (reason,)))
            return
    row = PlannedRow(**planned, record_id=same_start.pk, changed_fields=changed)
    (plan.updated if changed else plan.unchanged).append(row)


def apply_plan(plan: ImportPlan, *, school: School, user, now: datetime) -> None:
    """Write a plan's new records and changes (with history) inside the caller's transaction."""
    InternshipRecord.objects.bulk_create(
        [InternshipRecord(student_id=row.student_id, school=school, created_by=user, **row.values) for row in plan.added],
        batch_size=500,
    )
    records = InternshipRecord.objects.select_for_update().in_bulk([row.record_id for row in plan.updated])
    for row in plan.updated:
        record = records[row.record_id]
        save_change(record, values={name: row.values[name] for name in row.changed_fields}, user=user, now=now)
