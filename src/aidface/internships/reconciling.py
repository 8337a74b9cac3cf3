"""Reconciliation of filed internship records with the provincial filing platform's export (Art. 20).

Rows are matched on the ID number. When a student has several internships, records and
platform rows with the same start date pair first and the rest pair in date order. The
result lists mismatched fields (company, dates, supervisor) and the records missing on
either side.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from aidface.internships.columns import RECONCILED_FIELDS
from aidface.internships.models import InternshipRecord
from aidface.internships.reading import Sheet
from aidface.internships.validation import LABELS, normalise_phone, parse_date, parse_phone, text_of
from aidface.roster.idnumber import InvalidIdNumber, mask, parse_id_number

_SPACES = re.compile(r"\s+")


class Status:
    MATCHED = "matched"
    MISMATCH = "mismatch"
    MISSING_ON_PLATFORM = "missing_on_platform"
    MISSING_HERE = "missing_here"
    UNREADABLE = "unreadable"


STATUS_LABELS = {
    Status.MATCHED: "一致",
    Status.MISMATCH: "信息不一致",
    Status.MISSING_ON_PLATFORM: "备案平台缺少",
    Status.MISSING_HERE: "本系统缺少",
    Status.UNREADABLE: "平台数据无法核对",
}


@dataclass(frozen=True)
class FieldDifference:
    field: str
    ours: str
    platform: str

    @property
    def label(self) -> str:
        return LABELS[self.field]


@dataclass(frozen=True)
class ReconciledRow:
    status: str
    name: str
    id_number: str
    record_id: int | None = None
    platform_row: int | None = None
    differences: tuple[FieldDifference, ...] = ()
    note: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number) if self.id_number else ""


@dataclass
class ReconciliationResult:
    rows: list[ReconciledRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUS_LABELS}
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def problems(self) -> list[ReconciledRow]:
        return [row for row in self.rows if row.status != Status.MATCHED]


def _compare_text(value: object) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text_of(value)))


def _compare_phone(value: object) -> str:
    try:
        return parse_phone(value)
    except ValueError:
        return normalise_phone(value)


def _compare_date(value: object) -> str:
    try:
        return parse_date(value, "日期").isoformat()
    except ValueError:
        return text_of(value)


COMPARE = {
    "company": _compare_text,
    "supervisor_name": _compare_text,
    "supervisor_phone": _compare_phone,
    "start_date": _compare_date,
    "end_date": _compare_date,
}


def _ours(record: InternshipRecord) -> dict[str, str]:
    return {name: COMPARE[name](getattr(record, name)) for name in RECONCILED_FIELDS}


def _shown(record: InternshipRecord, name: str) -> str:
    value = getattr(record, name)
    return value.isoformat() if isinstance(value, date) else str(value)


def _platform_shown(field_name: str, row, compared: str) -> str:
    """Return a platform date as 2026-04-01 when it could be read, and any other value as the file has it."""
    return compared if field_name in ("start_date", "end_date") else text_of(row.values.get(field_name))


def reconcile(sheet: Sheet, *, records: list[InternshipRecord], today: date) -> ReconciliationResult:
    """Compare the platform rows in `sheet` with `records` (the school's filed records)."""
    result = ReconciliationResult()
    platform: dict[str, list] = {}
    for row in sheet.rows:
        raw_id = row.values.get("id_number")
        name = text_of(row.values.get("name"))
        try:
            if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
                raise InvalidIdNumber("身份证号是数字格式，已丢失位数，请把该列设为文本格式后重新导出")
            parsed = parse_id_number(text_of(raw_id), today=today)
        except InvalidIdNumber as error:
            result.rows.append(ReconciledRow(Status.UNREADABLE, name, "", platform_row=row.row_number, note=error.message))
            continue
        platform.setdefault(parsed.value, []).append(row)

    ours: dict[str, list[InternshipRecord]] = {}
    for record in records:
        ours.setdefault(record.student.id_number, []).append(record)

    for id_number in sorted(set(ours) | set(platform)):
        mine = sorted(ours.get(id_number, []), key=lambda item: (item.start_date, item.pk))
        theirs = sorted(platform.get(id_number, []), key=lambda row: (_compare_date(row.values.get("start_date")), row.row_number))
        for record, row in _pairs(mine, theirs):
            result.rows.append(_reconciled(id_number, record, row, sheet))
    return result


def _pairs(mine: list[InternshipRecord], theirs: list) -> list[tuple]:
    pairs = []
    remaining = list(theirs)
    unpaired_records = []
    for record in mine:
        same = next((row for row in remaining if _compare_date(row.values.get("start_date")) == record.start_date.isoformat()), None)
        if same is None:
            unpaired_records.append(record)
        else:
            remaining.remove(same)
            pairs.append((record, same))
    for record in unpaired_records:
        pairs.append((record, remaining.pop(0) if remaining else None))
    pairs.extend((None, row) for row in remaining)
    return pairs


def _reconciled(id_number: str, record: InternshipRecord | None, row, sheet: Sheet) -> ReconciledRow:
    if row is None:
        return ReconciledRow(
            Status.MISSING_ON_PLATFORM,
            record.student.name,
            id_number,
            record_id=record.pk,
            note=f"本系统已备案：{record.company}，{record.start_date:%Y-%m-%d} 至 {record.end_date:%Y-%m-%d}",
        )
    name = text_of(row.values.get("name"))
    if record is None:
        parts = [text_of(row.values.get("company"))]
        parts += [_compare_date(row.values.get(date_field)) for date_field in ("start_date", "end_date")]
        summary = "，".join(part for part in parts if part)
        return ReconciledRow(Status.MISSING_HERE, name, id_number, platform_row=row.row_number, note=f"备案平台记录：{summary}")

    differences = []
    mine = _ours(record)
    for field_name in RECONCILED_FIELDS:
        if field_name not in sheet.present_fields:
            continue
        theirs = COMPARE[field_name](row.values.get(field_name))
        if theirs != mine[field_name]:
            differences.append(FieldDifference(field_name, _shown(record, field_name), _platform_shown(field_name, row, theirs)))
    status = Status.MISMATCH if differences else Status.MATCHED
    return ReconciledRow(status, record.student.name, id_number, record.pk, row.row_number, tuple(differences))
