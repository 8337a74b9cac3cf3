"""Exports for the national student-aid system (Art. 5): month results and semester eligibility.

Each builder takes the school ids the caller may see (already narrowed by jurisdiction)
and streams its rows from the database in chunks into a write-only workbook. Headers
are the Chinese column names of the national system's roster (姓名, 身份证号, 学籍号,
学校标识码 ...), followed by the result columns.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q

from aidface.checks.models import MarkReason, MonthResult, MonthState
from aidface.eligibility.models import Reason, SemesterEligibility
from aidface.org.models import School
from aidface.policy.calendar import Term, semester_calendar
from aidface.policy.values import PROVINCE_DEFAULTS
from aidface.reports.workbook import SheetWriter, new_workbook, to_bytes
from aidface.roster.models import AidStatus, Semester

ROWS_PER_QUERY = 5000

STUDENT_HEADERS = ("学校标识码", "学校名称", "姓名", "身份证号", "学籍号", "年级", "班级", "资助状态")
MONTH_HEADERS = STUDENT_HEADERS + ("抽查结果", "标示原因", "申诉前结果", "是否锁定")
ELIGIBILITY_HEADERS = STUDENT_HEADERS + ("通过月数", "正常考勤月数", "受助资格", "取消原因", "结果状态")
SUMMARY_HEADERS = ("学生数", "保留资格人数", "取消资格人数", "暂定人数")
STUDENT_WIDTHS = (14, 28, 10, 22, 24, 10, 14, 10)

_STATE_LABELS = dict(MonthState.choices)
_MARK_LABELS = dict(MarkReason.choices)
_AID_LABELS = dict(AidStatus.choices)
_REASON_LABELS = dict(Reason.choices)
_STUDENT_FIELDS = (
    "school__code", "school__name", "student__name", "student__id_number", "student__student_number",
    "student__grade", "student__class_name", "student__aid_status",
)
_ORDER = ("school__code", "student__grade", "student__class_name", "student__name", "student_id")


@dataclass(frozen=True)
class ExportResult:
    content: bytes
    rows: int
    sheets: int


def _student_cells(values: Sequence) -> list[object]:
    code, school_name, name, id_number, student_number, grade, class_name, aid_status = values
    return [code, school_name, name, id_number, student_number, grade, class_name, _AID_LABELS.get(aid_status, aid_status)]


def _stream(queryset, fields: Sequence[str]):
    """Yield value tuples in the queryset's order, ROWS_PER_QUERY at a time, paging on the primary key order."""
    yield from queryset.values_list(*fields).iterator(chunk_size=ROWS_PER_QUERY)


def semester_months(semester: Semester, school_ids: Sequence[int]) -> list[tuple[int, int]]:
    """Return the (year, month) pairs to export: the province's routine-window months and every month with results."""
    calendar = semester_calendar(PROVINCE_DEFAULTS, semester.year, Term(semester.term))
    months = {(item.year, item.month) for item in calendar.months}
    months.update(
        MonthResult.objects.filter(semester=semester, school_id__in=school_ids).values_list("year", "month").distinct()
    )
    return sorted(months)


def month_results_workbook(*, semester: Semester, school_ids: Sequence[int]) -> ExportResult:
    """Build one sheet per month of the semester, with one row per student who has a result that month."""
    workbook = new_workbook()
    total = 0
    months = semester_months(semester, school_ids)
    for year, month in months:
        sheet = SheetWriter(workbook, f"{year}年{month}月", MONTH_HEADERS, widths=STUDENT_WIDTHS + (12, 10, 12, 10))
        rows = MonthResult.objects.filter(semester=semester, year=year, month=month, school_id__in=school_ids).order_by(*_ORDER)
        fields = _STUDENT_FIELDS + ("state", "mark_reason", "state_before_appeal", "locked")
        for values in _stream(rows, fields):
            state, mark_reason, before, locked = values[8:]
            sheet.append(
                _student_cells(values[:8])
                + [
                    _STATE_LABELS.get(state, state),
                    _MARK_LABELS.get(mark_reason, ""),
                    _STATE_LABELS.get(before, ""),
                    "是" if locked else "否",
                ]
            )
        total += sheet.rows
    return ExportResult(content=to_bytes(workbook), rows=total, sheets=len(months))


def _eligibility_cells(values: Sequence, now) -> list[object]:
    eligible, reasons, passing, normal, final, final_from = values[8:]
    is_final = final or now >= final_from
    return _student_cells(values[:8]) + [
        passing,
        normal,
        "保留" if eligible else "取消",
        "；".join(_REASON_LABELS.get(code, code) for code in reasons),
        "最终" if is_final else "暂定",
    ]


def _summary_rows(rows, group: Sequence[str], now):
    provisional = Q(final=False, final_from__gt=now)
    return (
        rows.values(*group)
        .annotate(
            total=Count("pk"),
            eligible_count=Count("pk", filter=Q(eligible=True)),
            provisional_count=Count("pk", filter=provisional),
        )
        .order_by(*group)
    )


def eligibility_workbook(*, semester: Semester, school_ids: Sequence[int], now) -> ExportResult:
    """Counts per region and per school, every student's eligibility, and the cancelled students with reasons."""
    rows = SemesterEligibility.objects.filter(semester=semester, school_id__in=school_ids)
    workbook = new_workbook()

    regions = SheetWriter(workbook, "地区汇总", ("行政区划代码", "地区") + SUMMARY_HEADERS, widths=(14, 20, 10, 14, 14, 10))
    for item in _summary_rows(rows, ("school__region_id", "school__region__name"), now):
        regions.append([
            item["school__region_id"], item["school__region__name"], item["total"], item["eligible_count"],
            item["total"] - item["eligible_count"], item["provisional_count"],
        ])

    schools = SheetWriter(
        workbook, "学校汇总", ("学校标识码", "学校名称", "所在地区") + SUMMARY_HEADERS + tuple(_REASON_LABELS.values()),
        widths=(14, 28, 14, 10, 14, 14, 10),
    )
    reason_counts = {
        code: dict(
            rows.filter(eligible=False, reasons__icontains=f'"{code}"').values_list("school_id").annotate(count=Count("pk"))
        )
        for code in _REASON_LABELS
    }
    names = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "region__name"))
    for item in _summary_rows(rows, ("school_id", "school__code", "school__name"), now):
        school_id = item["school_id"]
        schools.append(
            [item["school__code"], item["school__name"], names.get(school_id, ""), item["total"], item["eligible_count"],
             item["total"] - item["eligible_count"], item["provisional_count"]]
            + [reason_counts[code].get(school_id, 0) for code in _REASON_LABELS]
        )

    fields = _STUDENT_FIELDS + ("eligible", "reasons", "passing_months", "normal_months", "final", "final_from")
    everyone = SheetWriter(workbook, "受助资格名单", ELIGIBILITY_HEADERS, widths=STUDENT_WIDTHS + (10, 14, 10, 40, 10))
    for values in _stream(rows.order_by(*_ORDER), fields):
        everyone.append(_eligibility_cells(values, now))

    cancelled = SheetWriter(workbook, "取消资格名单", ELIGIBILITY_HEADERS, widths=STUDENT_WIDTHS + (10, 14, 10, 40, 10))
    for values in _stream(rows.filter(eligible=False).order_by(*_ORDER), fields):
        cancelled.append(_eligibility_cells(values, now))

    return ExportResult(content=to_bytes(workbook), rows=everyone.rows, sheets=4)
