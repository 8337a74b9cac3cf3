"""Spreadsheet work of a school: internship imports and reconciliation with the filing platform.

An import goes upload → preview → confirm or discard. Nothing reaches the records
before the operator confirms, so a preview and a rejected file change nothing. A
reconciliation stores its result and an encrypted report for download. Each step is
audited.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit import services as audit_log
from aidface import crypto
from aidface.enrolment import storage
from aidface.internships.columns import COLUMNS, PLATFORM_REQUIRED, RECONCILED_FIELDS
from aidface.internships.exporting import build_report
from aidface.internships.errors import InternshipError
from aidface.internships.importing import ImportPlan, apply_plan, build_plan
from aidface.internships.models import FilingStatus, ImportStatus, InternshipImport, InternshipRecord, Reconciliation
from aidface.internships.reconciling import reconcile
from aidface.internships.reading import read_sheet
from aidface.internships.services import check_may_write
from aidface.org import scope
from aidface.org.models import Role, School, User
from aidface.policy.calendar import local_day

logger = logging.getLogger(__name__)

IMPORT_REQUIRED = tuple(column.field for column in COLUMNS if column.required)


def preview(*, school: School, content: bytes, file_name: str, now: datetime | None = None) -> ImportPlan:
    """Return what importing the file would do, writing nothing. Raises SheetFileError."""
    sheet = read_sheet(content, file_name, required=IMPORT_REQUIRED, allow_csv=False)
    return build_plan(sheet, school=school, today=local_day(now or timezone.now()))


@transaction.atomic
def upload_import(*, user: User, school: School, content: bytes, file_name: str) -> InternshipImport:
    """Keep an uploaded file for its preview; a file that cannot be read raises SheetFileError and is not kept."""
    check_may_write(user, school)
    read_sheet(content, file_name, required=IMPORT_REQUIRED, allow_csv=False)

    upload = InternshipImport.objects.create(
        school=school,
        uploaded_by=user,
        file_name=file_name[:255],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    audit_log.record(
        user=user,
        action="internship.upload",
        target=upload,
        target_repr=upload.file_name,
        school=school,
        detail={"sha256": upload.sha256, "bytes": len(content)},
    )
    return upload


def plan_of(upload: InternshipImport, *, now: datetime | None = None) -> ImportPlan:
    if upload.status != ImportStatus.PENDING:
        raise InternshipError("import_finished", "该导入已确认或已放弃，请重新上传文件。")
    return preview(school=upload.school, content=bytes(upload.content), file_name=upload.file_name, now=now)


@transaction.atomic
def confirm_import(*, user: User, upload: InternshipImport, now: datetime | None = None) -> ImportPlan:
    """Apply a pending import in one transaction; the plan is computed again against the records as they are now."""
    upload = InternshipImport.objects.select_for_update().get(pk=upload.pk)
    check_may_write(user, upload.school)
    now = now or timezone.now()
    plan = plan_of(upload, now=now)
    if not (plan.added or plan.updated):
        raise InternshipError("nothing_to_import", "没有可导入的内容：文件中没有新增或变动的实习记录。")

    apply_plan(plan, school=upload.school, user=user, now=now)
    upload.status = ImportStatus.CONFIRMED
    upload.finished_at = now
    upload.counts = plan.counts
    upload.content = None
    upload.save(update_fields=["status", "finished_at", "counts", "content"])
    audit_log.record(
        user=user,
        action="internship.import",
        target=upload,
        target_repr=upload.file_name,
        school=upload.school,
        detail={"counts": plan.counts, "sha256": upload.sha256, "changed_record_ids": [row.record_id for row in plan.updated]},
    )
    logger.info("internship import id=%s school=%s applied %s", upload.pk, upload.school_id, plan.counts)
    return plan


@transaction.atomic
def discard_import(*, user: User, upload: InternshipImport) -> None:
    upload = InternshipImport.objects.select_for_update().get(pk=upload.pk)
    check_may_write(user, upload.school)
    if upload.status != ImportStatus.PENDING:
        raise InternshipError("import_finished", "该导入已确认或已放弃。")

    upload.status = ImportStatus.DISCARDED
    upload.finished_at = timezone.now()
    upload.content = None
    upload.save(update_fields=["status", "finished_at", "content"])
    audit_log.record(user=user, action="internship.discard", target=upload, target_repr=upload.file_name, school=upload.school)


@transaction.atomic
def run_reconciliation(*, user: User, school: School, content: bytes, file_name: str, now: datetime | None = None) -> Reconciliation:
    """Compare the school's filed records with the platform export and keep the result. Raises SheetFileError."""
    check_may_write(user, school)
    now = now or timezone.now()
    sheet = read_sheet(content, file_name, required=PLATFORM_REQUIRED, allow_csv=True)
    records = list(InternshipRecord.objects.filter(school=school, status=FilingStatus.FILED).select_related("student"))
    result = reconcile(sheet, records=records, today=local_day(now))
    skipped = [name for name in RECONCILED_FIELDS if name not in sheet.present_fields]

    reconciliation = Reconciliation.objects.create(
        school=school,
        uploaded_by=user,
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        created_at=now,
        counts={**result.counts, "skipped_fields": skipped},
        rows=[_row_for_page(row) for row in result.problems],
        report=b"",
        key_id="",
    )
    report = build_report(result, school=school, file_name=reconciliation.file_name, skipped_fields=skipped)
    reconciliation.report, reconciliation.key_id = storage.seal(report, associated_data=reconciliation.associated_data)
    reconciliation.save(update_fields=["report", "key_id"])
    audit_log.record(
        user=user,
        action="internship.reconcile",
        target=reconciliation,
        target_repr=reconciliation.file_name,
        school=school,
        detail={"counts": result.counts, "sha256": reconciliation.sha256},
    )
    logger.info("internship reconciliation id=%s school=%s counts=%s", reconciliation.pk, school.pk, result.counts)
    return reconciliation


def _row_for_page(row) -> dict:
    """Return a reconciliation row as JSON for the page, with the ID number masked."""
    return {
        "status": row.status,
        "status_label": row.status_label,
        "name": row.name,
        "masked_id_number": row.masked_id_number,
        "record_id": row.record_id,
        "platform_row": row.platform_row,
        "differences": [{"label": item.label, "ours": item.ours, "platform": item.platform} for item in row.differences],
        "note": row.note,
    }


REPORT_READERS = frozenset({Role.SCHOOL_OPERATOR, Role.PRINCIPAL, Role.OFFICE_STAFF})


@transaction.atomic
def open_report(*, user: User, reconciliation: Reconciliation) -> bytes:
    """Return the decrypted report for download and record the export. Raises Http404 outside the user's scope."""
    scope.get_school_or_404(user, reconciliation.school_id)
    if not (user.is_superuser or user.role in REPORT_READERS):
        raise PermissionDenied("您的角色无权下载实习备案核对报告。")
    content = crypto.decrypt(bytes(reconciliation.report), associated_data=reconciliation.associated_data)
    audit_log.record(
        user=user,
        action="internship.report_export",
        target=reconciliation,
        target_repr=reconciliation.file_name,
        school=reconciliation.school,
    )
    return content
