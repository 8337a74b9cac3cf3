"""Roster imports and exports, and semester records. Every write and export is audited."""
from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.org import scope
from aidface.org.models import Role, School, User
from aidface.policy.calendar import Term, local_day, semester_of_moment
from aidface.roster.exporting import build_workbook
from aidface.roster.importing import ImportPlan, apply_plan, build_plan
from aidface.roster.models import ImportStatus, RosterImport, Semester, Student
from aidface.roster.reading import read_roster

logger = logging.getLogger(__name__)


class ImportStateError(Exception):
    """An import that was already confirmed or discarded, with a Chinese `message` for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_may_import(user: User, school: School) -> None:
    """Raise PermissionDenied unless `user` is an operator of `school` (or a superuser)."""
    if user.is_superuser and not user.school_id and not user.office_id:
        return
    if user.role != Role.SCHOOL_OPERATOR or user.school_id != school.pk:
        raise PermissionDenied("只有本校的学校管理员可以导入学生名册。")


def preview(*, school: School, content: bytes, file_name: str, today: date | None = None) -> ImportPlan:
    """Return what importing the file would do, writing nothing. Raises RosterFileError."""
    sheet = read_roster(content, file_name)
    return build_plan(sheet, school=school, today=today or local_day(timezone.now()))


@transaction.atomic
def upload_roster(*, user: User, school: School, content: bytes, file_name: str) -> RosterImport:
    """Store an uploaded file for preview. Nothing reaches the roster before confirmation."""
    check_may_import(user, school)
    read_roster(content, file_name)

    roster_import = RosterImport.objects.create(
        school=school,
        uploaded_by=user,
        file_name=file_name[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    record(
        user=user,
        action="roster.upload",
        target=roster_import,
        target_repr=roster_import.file_name,
        school=school,
        detail={"sha256": roster_import.sha256, "bytes": len(content)},
    )
    return roster_import


def plan_of(roster_import: RosterImport) -> ImportPlan:
    """Return the current plan of a pending import against today's roster."""
    if roster_import.status != ImportStatus.PENDING:
        raise ImportStateError("该导入已确认或已放弃，请重新上传文件。")
    return preview(school=roster_import.school, content=bytes(roster_import.content), file_name=roster_import.file_name)


@transaction.atomic
def confirm_import(*, user: User, roster_import: RosterImport) -> ImportPlan:
    """Apply a pending import in one transaction and return the plan that was applied.

    The plan is computed again inside the transaction, so rows changed since the
    preview are compared with the roster as it is now.
    """
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    check_may_import(user, roster_import.school)
    plan = plan_of(roster_import)

    apply_plan(plan, school=roster_import.school)
    roster_import.status = ImportStatus.CONFIRMED
    roster_import.finished_at = timezone.now()
    roster_import.counts = plan.counts
    roster_import.content = None
    roster_import.save(update_fields=["status", "finished_at", "counts", "content"])

    record(
        user=user,
        action="roster.import",
        target=roster_import,
        target_repr=roster_import.file_name,
        school=roster_import.school,
        detail={"counts": plan.counts, "sha256": roster_import.sha256},
    )
    logger.info("roster import id=%s school=%s applied %s", roster_import.pk, roster_import.school_id, plan.counts)
    return plan


@transaction.atomic
def discard_import(*, user: User, roster_import: RosterImport) -> None:
    roster_import = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    check_may_import(user, roster_import.school)
    if roster_import.status != ImportStatus.PENDING:
        raise ImportStateError("该导入已确认或已放弃。")

    roster_import.status = ImportStatus.DISCARDED
    roster_import.finished_at = timezone.now()
    roster_import.content = None
    roster_import.save(update_fields=["status", "finished_at", "content"])
    record(user=user, action="roster.discard", target=roster_import, school=roster_import.school)


def import_file(
    *, user: User | None, school: School, content: bytes, file_name: str, dry_run: bool = False
) -> ImportPlan:
    """Import a file in one step, as the command line does. With `dry_run` only the plan is returned.

    `user` None means the command line run by the system administrator.
    """
    if user is not None:
        check_may_import(user, school)
    with transaction.atomic():
        plan = preview(school=school, content=content, file_name=file_name)
        if dry_run:
            return plan
        apply_plan(plan, school=school)
        record(
            user=user,
            action="roster.import",
            target=school,
            target_repr=file_name[:255],
            school=school,
            detail={"counts": plan.counts, "sha256": hashlib.sha256(content).hexdigest(), "via": "command"},
        )
    logger.info("roster import of school=%s from the command line applied %s", school.pk, plan.counts)
    return plan


@transaction.atomic
def export_roster(*, user: User, school: School) -> bytes:
    """Return the school's roster as .xlsx in the import layout. Raises Http404 outside the user's scope."""
    school = scope.get_school_or_404(user, school.pk)
    students = Student.objects.filter(school=school).order_by("grade", "class_name", "name", "id")
    content = build_workbook(school=school, students=students)
    record(
        user=user,
        action="roster.export",
        target=school,
        school=school,
        detail={"students": students.count()},
    )
    return content


def ensure_semester(*, year: int, term: Term) -> Semester:
    semester, _ = Semester.objects.get_or_create(year=year, term=term.value)
    return semester


def semester_at(moment: datetime) -> Semester:
    """Return the semester containing a moment, creating its record on first use."""
    year, term = semester_of_moment(moment)
    return ensure_semester(year=year, term=term)

