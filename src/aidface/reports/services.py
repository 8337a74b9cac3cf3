"""Exports and reconciliation reports, each recorded in the audit log with what it handed out.

The caller passes the schools already narrowed to the user's jurisdiction
(`aidface.reports.selectors.export_scope`).
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.reports import exports, reconciliation
from aidface.reports.selectors import ExportScope
from aidface.roster.models import Semester

logger = logging.getLogger(__name__)


def _detail(semester: Semester | None, scope: ExportScope, **figures) -> dict:
    return {"semester_id": semester.pk if semester else None, "scope": scope.label, "schools": len(scope.school_ids), **figures}


def export_month_results(*, user, semester: Semester, scope: ExportScope) -> exports.ExportResult:
    result = exports.month_results_workbook(semester=semester, school_ids=scope.school_ids)
    with transaction.atomic():
        record(user=user, action="report.export_month_results", target=semester,
               detail=_detail(semester, scope, rows=result.rows, sheets=result.sheets))
    logger.info("month results exported user_id=%s semester=%s schools=%s rows=%s", user.pk, semester.pk, len(scope.school_ids), result.rows)
    return result


def export_eligibility(*, user, semester: Semester, scope: ExportScope, now: datetime | None = None) -> exports.ExportResult:
    now = now or timezone.now()
    result = exports.eligibility_workbook(semester=semester, school_ids=scope.school_ids, now=now)
    detail = _detail(semester, scope, rows=result.rows)
    with transaction.atomic():
        if scope.region_code:
            record(user=user, action="report.export_region", target=semester, detail=detail)
        else:
            record(user=user, action="report.export_eligibility", target=semester, detail=detail)
    logger.info("eligibility exported user_id=%s semester=%s schools=%s rows=%s", user.pk, semester.pk, len(scope.school_ids), result.rows)
    return result


def reconcile_roster(
    *, user, content: bytes, file_name: str, semester: Semester | None, scope: ExportScope
) -> tuple[reconciliation.Reconciliation, bytes]:
    """Compare an uploaded national roster with the records in scope and return the result and its .xlsx report.

    Raises RosterFileError (with a Chinese message) when the file is not a readable roster;
    nothing is recorded then.
    """
    rows, unreadable = reconciliation.read_national_roster(content, file_name)
    result = reconciliation.reconcile(rows=rows, unreadable=unreadable, school_ids=scope.school_ids, semester=semester)
    report = reconciliation.reconciliation_workbook(result, semester=semester)
    with transaction.atomic():
        record(user=user, action="report.reconcile", target=semester, detail=_detail(semester, scope, **result.counts))
    return result, report
