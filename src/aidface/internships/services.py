"""Writes of internship records: create, change (with history), file with the office, return.

Each write checks the user's role and jurisdiction, changes the record and writes its
audit entry in one transaction. A filed record keeps accepting changes of company,
location and supervisor (Art. 19); every change after creation is kept in
`InternshipChange` with the values before and after.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit import services as audit_log
from aidface.internships import selectors
from aidface.internships.errors import InternshipError, InternshipValidationError
from aidface.internships.models import (
    TRACKED_FIELDS,
    UPDATABLE_AFTER_FILING,
    FilingStatus,
    InternshipChange,
    InternshipRecord,
)
from aidface.internships.validation import LABELS, text_of, validate_fields
from aidface.org.models import Role, School, User
from aidface.policy.calendar import local_day
from aidface.roster.idnumber import NUMERIC_CELL_MESSAGE, InvalidIdNumber, parse_id_number
from aidface.roster.models import Student

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChangeResult:
    record: InternshipRecord
    changed_fields: tuple[str, ...]

    @property
    def changed_labels(self) -> str:
        return "、".join(LABELS[name] for name in self.changed_fields)


def check_may_write(user: User, school: School) -> None:
    """Raise PermissionDenied unless `user` is an operator of `school`."""
    if not (user.is_active and user.role == Role.SCHOOL_OPERATOR and user.school_id == school.pk):
        raise PermissionDenied("只有本校的学校管理员可以登记和修改岗位实习信息。")


def find_student(*, school: School, name: object, id_number: object, today: date) -> tuple[Student | None, dict[str, str]]:
    """Return the roster student with this ID number in `school`, or the message for each wrong field."""
    errors: dict[str, str] = {}
    name_text = text_of(name)
    if not name_text:
        errors["name"] = "请填写实习人姓名"
    if isinstance(id_number, int | float) and not isinstance(id_number, bool):
        errors["id_number"] = f"身份证号{NUMERIC_CELL_MESSAGE}"
        return None, errors
    id_text = text_of(id_number)
    if not id_text:
        errors["id_number"] = "请填写实习人身份证号"
        return None, errors
    try:
        parsed = parse_id_number(id_text, today=today)
    except InvalidIdNumber as error:
        errors["id_number"] = error.message
        return None, errors

    student = Student.objects.filter(school=school, id_number=parsed.value).first()
    if student is None:
        errors["id_number"] = f"本校名册中没有身份证号为 {parsed.masked} 的学生，请核对身份证号，或先在学生名册中导入该学生"
        return None, errors
    if name_text and name_text != student.name:
        errors["name"] = f"实习人姓名“{name_text}”与名册中该身份证号的姓名“{student.name}”不一致，请核对"
    return student, errors


def overlapping_record(*, student: Student, start: date, end: date, exclude_pk: int | None = None) -> InternshipRecord | None:
    """Return another record of the student whose period overlaps start–end, if any."""
    others = InternshipRecord.objects.filter(student=student, start_date__lte=end, end_date__gte=start)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.order_by("start_date").first()


def _overlap_message(other: InternshipRecord) -> str:
    return (
        f"该学生已有 {other.start_date:%Y-%m-%d} 至 {other.end_date:%Y-%m-%d} 在“{other.company}”的实习记录，"
        "实习时间不能重叠，请核对日期"
    )


@transaction.atomic
def create_record(*, user: User, school: School, raw: dict[str, object], now: datetime | None = None) -> InternshipRecord:
    """Create a draft record from raw field values. Raises InternshipValidationError with every wrong field."""
    check_may_write(user, school)
    now = now or timezone.now()

    student, errors = find_student(school=school, name=raw.get("name"), id_number=raw.get("id_number"), today=local_day(now))
    checked = validate_fields(raw)
    errors.update(checked.errors)
    if student is not None and "start_date" not in errors and "end_date" not in errors:
        other = overlapping_record(student=student, start=checked.values["start_date"], end=checked.values["end_date"])
        if other is not None:
            errors["start_date"] = _overlap_message(other)
    if errors:
        raise InternshipValidationError(errors)

    created = InternshipRecord.objects.create(student=student, school=school, created_by=user, **checked.values)
    audit_log.record(
        user=user,
        action="internship.create",
        target=created,
        school=school,
        detail={"student_id": student.pk, "start_date": created.start_date, "end_date": created.end_date},
    )
    logger.info("internship record id=%s created for student_id=%s", created.pk, student.pk)
    return created


def snapshot(record: InternshipRecord) -> dict[str, str]:
    """Return the tracked fields as text, the form the history stores."""
    values = {}
    for name in TRACKED_FIELDS:
        value = getattr(record, name)
        if value is None:
            values[name] = ""
        elif isinstance(value, date):
            values[name] = value.isoformat()
        elif isinstance(value, Decimal):
            values[name] = f"{value:.6f}"
        else:
            values[name] = str(value)
    return values


def save_change(record: InternshipRecord, *, values: dict[str, object], user: User, now: datetime) -> None:
    """Set the changed fields of a locked record, raise its version and keep the change in the history.

    `values` maps each changed field to its new value. Runs inside the caller's transaction.
    """
    before = snapshot(record)
    for name, value in values.items():
        setattr(record, name, value)
    after = snapshot(record)
    record.version += 1
    record.save()
    InternshipChange.objects.create(
        record=record,
        version=record.version,
        changed_by=user,
        changed_at=now,
        fields=list(values),
        before={name: before[name] for name in values},
        after={name: after[name] for name in values},
        after_filing=record.is_filed,
    )


@transaction.atomic
def update_record(
    *, user: User, record: InternshipRecord, raw: dict[str, object], now: datetime | None = None
) -> ChangeResult:
    """Change a record's fields and keep the previous values in the history.

    A draft accepts changes of every field. A filed record accepts changes of company,
    location and supervisor only (Art. 19). Dates, grade and class of a filed record
    change only after the supervising office returns it. Raises InternshipValidationError.
    """
    record = InternshipRecord.objects.select_for_update().get(pk=record.pk)
    check_may_write(user, record.school)
    now = now or timezone.now()

    before = snapshot(record)
    # A field left out of `raw` keeps its value, so a page may omit the fields it does not offer.
    checked = validate_fields({**before, **raw})
    errors = dict(checked.errors)
    proposed = InternshipRecord(**{name: checked.values.get(name, getattr(record, name)) for name in TRACKED_FIELDS})
    after = snapshot(proposed)
    changed = tuple(name for name in TRACKED_FIELDS if name not in errors and before[name] != after[name])

    if record.is_filed:
        for name in changed:
            if name not in UPDATABLE_AFTER_FILING:
                errors[name] = f"已备案的实习记录不能修改{LABELS[name]}；如确需修改，请联系同级资助部门退回后再改"
    elif "start_date" not in errors and "end_date" not in errors:
        other = overlapping_record(
            student=record.student, start=proposed.start_date, end=proposed.end_date, exclude_pk=record.pk
        )
        if other is not None:
            errors["start_date"] = _overlap_message(other)
    if errors:
        raise InternshipValidationError(errors)
    if not changed:
        return ChangeResult(record=record, changed_fields=())

    save_change(record, values={name: getattr(proposed, name) for name in changed}, user=user, now=now)
    audit_log.record(
        user=user,
        action="internship.change",
        target=record,
        school=record.school,
        detail={"fields": list(changed), "version": record.version, "after_filing": record.is_filed},
    )
    logger.info("internship record id=%s changed fields=%s version=%s", record.pk, ",".join(changed), record.version)
    return ChangeResult(record=record, changed_fields=changed)


@transaction.atomic
def file_record(*, user: User, record: InternshipRecord, now: datetime | None = None) -> InternshipRecord:
    """File a draft with the school's supervising office; only before the start date (Art. 20)."""
    record = InternshipRecord.objects.select_for_update().get(pk=record.pk)
    check_may_write(user, record.school)
    now = now or timezone.now()
    today = local_day(now)

    if record.is_filed:
        raise InternshipError("already_filed", f"该实习记录已于 {timezone.localtime(record.filed_at):%Y-%m-%d %H:%M} 备案，无需重复提交")
    if today >= record.start_date:
        raise InternshipError(
            "filing_too_late",
            f"实习开始日期为 {record.start_date:%Y-%m-%d}，须在开始日期之前向同级资助部门备案；"
            f"今天是 {today:%Y-%m-%d}，已无法备案。请核实实际开始日期，修改后再提交",
        )

    record.status = FilingStatus.FILED
    record.filed_at = now
    record.filed_by = user
    record.save(update_fields=["status", "filed_at", "filed_by", "updated_at"])
    audit_log.record(
        user=user,
        action="internship.file",
        target=record,
        school=record.school,
        office=record.school.supervising_office,
        detail={"start_date": record.start_date, "end_date": record.end_date, "version": record.version},
    )
    logger.info("internship record id=%s filed with office_id=%s", record.pk, record.school.supervising_office_id)
    return record


def check_may_return(user: User, record: InternshipRecord) -> None:
    """Only staff of the school's supervising office decide on its filings; offices above only read."""
    if not (user.is_active and user.role == Role.OFFICE_STAFF and user.office_id == record.school.supervising_office_id):
        raise PermissionDenied("只有该校的同级资助部门可以退回岗位实习备案。")


@transaction.atomic
def return_record(*, user: User, record: InternshipRecord, comment: str, now: datetime | None = None) -> InternshipRecord:
    """Send a filing back to the school as a draft with the office's comment.

    The record stops pausing routine checks until the school files it again. An ended
    internship is not returned, because its months have already been decided.
    """
    record = selectors.records(user).select_for_update().filter(pk=record.pk).first()
    if record is None:
        raise InternshipError("not_found", "记录不存在或不在您的管辖范围内")
    check_may_return(user, record)
    now = now or timezone.now()

    comment = text_of(comment)
    if not comment:
        raise InternshipValidationError({"comment": "请填写退回意见，说明学校需要修改的内容"})
    if len(comment) > 255:
        raise InternshipValidationError({"comment": f"退回意见不能超过 255 个字，现为 {len(comment)} 个字"})
    if not record.is_filed:
        raise InternshipError("not_filed", "该实习记录尚未备案，无需退回")
    if local_day(now) > record.end_date:
        raise InternshipError("ended", f"该实习已于 {record.end_date:%Y-%m-%d} 结束，已结束的实习备案不能退回")

    record.status = FilingStatus.DRAFT
    record.returned_at = now
    record.returned_by = user
    record.return_comment = comment
    record.save(update_fields=["status", "returned_at", "returned_by", "return_comment", "updated_at"])
    audit_log.record(
        user=user,
        action="internship.return",
        target=record,
        school=record.school,
        detail={"comment": comment, "version": record.version},
    )
    logger.info("internship record id=%s returned by user_id=%s", record.pk, user.pk)
    return record

