"""A school's marks (Art. 12): leave, training or internship turns a month into marked_pass.

Only a school operator marks, only students of the own school, only while the month is
unlocked and inside the semester's routine window. The optional attachment is a PDF,
JPEG or PNG recognised from its first bytes (the file name is not trusted), at most
`MAX_ATTACHMENT_BYTES`, and encrypted at rest like photos. Every mark and withdrawal is
audited in the same transaction and recomputes the student's month.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from aidface import crypto
from aidface.audit.services import record
from aidface.checks import locking, results
from aidface.checks.errors import CheckError
from aidface.checks.models import Mark, MarkReason
from aidface.enrolment.storage import seal
from aidface.org.models import Role
from aidface.policy.selectors import effective_policy_for_school
from aidface.roster.models import Student

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_NOTE_CHARS = 500

# (leading bytes, content type, file extension) of the accepted attachment formats.
ATTACHMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class MarkError(CheckError):
    """A rejected mark or withdrawal; nothing was changed."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes


def attachment_type(content: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) recognised from the leading bytes, or None for other formats."""
    for signature, content_type, extension in ATTACHMENT_SIGNATURES:
        if content.startswith(signature):
            return content_type, extension
    return None


def _check_operator(user, student: Student) -> None:
    if not user.is_authenticated or user.role != Role.SCHOOL_OPERATOR or not user.school_id:
        raise MarkError("not_operator", "只有学校管理员可以标示或撤销标示通过。")
    if student.school_id != user.school_id:
        raise MarkError("not_in_scope", "只能标示本校的学生。")


def _check_month(student: Student, *, year: int, month: int, now: datetime) -> None:
    policy = effective_policy_for_school(student.school)
    if not 1 <= month <= 12 or not results.in_routine_window(policy, year, month):
        raise MarkError("outside_window", f"{year}年{month}月不在本学期例行抽查期间，不能标示通过。")
    try:
        locking.check_month_unlocked(school=student.school, year=year, month=month, at=now, policy=policy)
    except locking.MonthLockedError as error:
        raise MarkError(error.code, error.message) from None


def _check_attachment(attachment: Attachment) -> tuple[str, str]:
    if not attachment.content:
        raise MarkError("attachment_empty", "附件是空文件，请重新选择文件。")
    if len(attachment.content) > MAX_ATTACHMENT_BYTES:
        size_mb = len(attachment.content) / 1024 / 1024
        raise MarkError(
            "attachment_too_large",
            f"附件为 {size_mb:.1f} MB，超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB 的上限，请压缩后重新上传。",
        )
    detected = attachment_type(attachment.content)
    if detected is None:
        raise MarkError("attachment_type", "附件只能是 PDF、JPEG 或 PNG 文件，请转换格式后重新上传。")
    return detected


def mark_student(
    *,
    user,
    student: Student,
    year: int,
    month: int,
    reason: str,
    note: str,
    attachment: Attachment | None = None,
    now: datetime | None = None,
) -> Mark:
    """Mark the student's month as passed for a reason (Art. 12) and recompute the month."""
    now = now or timezone.now()
    _check_operator(user, student)
    if reason not in MarkReason.values:
        raise MarkError("invalid_reason", "请选择标示原因：请假、实训或实习。")
    note = (note or "").strip()
    if not note:
        raise MarkError("note_missing", "请填写标示说明，例如请假起止日期或实训安排。")
    if len(note) > MAX_NOTE_CHARS:
        raise MarkError("note_too_long", f"标示说明不能超过 {MAX_NOTE_CHARS} 字。")
    _check_month(student, year=year, month=month, now=now)
    detected = _check_attachment(attachment) if attachment is not None else None

    try:
        with transaction.atomic():
            mark = Mark.objects.create(
                student=student,
                school=student.school,
                year=year,
                month=month,
                reason=reason,
                note=note,
                marked_by=user,
                marked_at=now,
            )
            if attachment is not None:
                content_type, extension = detected
                blob, key_id = seal(attachment.content, associated_data=mark.attachment_associated_data)
                mark.attachment = blob
                mark.attachment_key_id = key_id
                mark.attachment_type = content_type
                mark.attachment_name = _attachment_name(attachment.name, extension)
                mark.save(update_fields=["attachment", "attachment_key_id", "attachment_type", "attachment_name"])
            record(
                user=user,
                action="mark.create",
                target=mark,
                target_repr=f"{student.name} {year}年{month}月",
                school=student.school,
                detail={
                    "student_id": student.pk,
                    "year": year,
                    "month": month,
                    "reason": reason,
                    "attachment_type": mark.attachment_type,
                    "attachment_bytes": len(attachment.content) if attachment is not None else 0,
                },
            )
    except IntegrityError:
        raise MarkError("already_marked", f"{student.name}在{year}年{month}月已有标示，如需修改请先撤销原标示。") from None
    results.recompute_for_student(student=student, year=year, month=month, now=now)
    return mark


def _attachment_name(name: str, extension: str) -> str:
    """Keep the uploaded name for display, with the extension of the detected format."""
    stem = (name or "附件").replace("/", "_").replace("\\", "_").rsplit(".", 1)[0][:200] or "附件"
    return f"{stem}.{extension}"


def withdraw_mark(*, user, mark: Mark, now: datetime | None = None) -> Mark:
    """Withdraw an active mark while its month is unlocked; the row stays for the history."""
    now = now or timezone.now()
    student = mark.student
    _check_operator(user, student)
    if mark.withdrawn_at is not None:
        raise MarkError("already_withdrawn", "该标示已撤销。")
    _check_month(student, year=mark.year, month=mark.month, now=now)
    with transaction.atomic():
        updated = Mark.objects.filter(pk=mark.pk, withdrawn_at__isnull=True).update(withdrawn_at=now, withdrawn_by=user)
        if not updated:
            raise MarkError("already_withdrawn", "该标示已撤销。")
        mark.withdrawn_at = now
        mark.withdrawn_by = user
        record(
            user=user,
            action="mark.withdraw",
            target=mark,
            target_repr=f"{student.name} {mark.year}年{mark.month}月",
            school=student.school,
            detail={"student_id": student.pk, "year": mark.year, "month": mark.month, "reason": mark.reason},
        )
    results.recompute_for_student(student=student, year=mark.year, month=mark.month, now=now)
    return mark


def open_attachment(mark: Mark) -> bytes:
    """Decrypt a mark's attachment. Raises aidface.crypto.CryptoError when the blob was altered or moved."""
    return crypto.decrypt(bytes(mark.attachment), associated_data=mark.attachment_associated_data)
