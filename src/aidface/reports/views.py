"""Export and reconciliation pages: .xlsx downloads in the national system's layout (Art. 5)."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from aidface.org import scope
from aidface.org.models import Role
from aidface.reports import services
from aidface.reports.forms import ExportForm, ReconcileForm
from aidface.roster.reading import RosterFileError
from aidface.reports.selectors import export_scope
from aidface.reports.workbook import XLSX_CONTENT_TYPE
from aidface.roster.models import Semester
from aidface.roster.services import semester_at

READER_ROLES = frozenset({Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL})


def _check_may_export(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权导出或核对资助数据。")


def _choices(user):
    semesters = list(Semester.objects.order_by("-year", "-term"))
    schools = list(scope.schools(user).order_by("code"))
    regions = list(scope.regions(user).filter(schools__isnull=False).distinct().order_by("code")) if len(schools) > 1 else []
    return {"semesters": semesters, "schools": schools, "regions": regions}


def _download(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    return response


def _render_index(request: HttpRequest, *, export_form=None, reconcile_form=None, status: int = 200) -> HttpResponse:
    choices = _choices(request.user)
    initial = {"semester": semester_at(timezone.now()).pk}
    return render(
        request,
        "reports/index.html",
        {
            "export_form": export_form or ExportForm(initial=initial, **choices),
            "reconcile_form": reconcile_form or ReconcileForm(initial=initial, **choices),
        },
        status=status,
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _check_may_export(request.user)
    return _render_index(request)


def _export_request(request: HttpRequest):
    """Return (semester, scope) of a valid export request, or an error response."""
    form = ExportForm(request.GET, **_choices(request.user))
    # A school or region outside the jurisdiction is 404, not a form error.
    selected = export_scope(request.user, school_id=request.GET.get("school") or None, region_code=request.GET.get("region") or "")
    if not form.is_valid():
        return None, None, _render_index(request, export_form=form, status=400)
    semester = Semester.objects.get(pk=form.cleaned_data["semester"])
    return semester, selected, None


@login_required
def month_results(request: HttpRequest) -> HttpResponse:
    _check_may_export(request.user)
    semester, selected, error = _export_request(request)
    if error is not None:
        return error
    result = services.export_month_results(user=request.user, semester=semester, scope=selected)
    return _download(result.content, f"月度抽查结果_{semester.year}{semester.get_term_display()}_{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def eligibility(request: HttpRequest) -> HttpResponse:
    _check_may_export(request.user)
    semester, selected, error = _export_request(request)
    if error is not None:
        return error
    result = services.export_eligibility(user=request.user, semester=semester, scope=selected)
    return _download(result.content, f"学期受助资格_{semester.year}{semester.get_term_display()}_{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_POST
def reconcile(request: HttpRequest) -> HttpResponse:
    _check_may_export(request.user)
    form = ReconcileForm(request.POST, request.FILES, **_choices(request.user))
    selected = export_scope(request.user, school_id=request.POST.get("school") or None, region_code=request.POST.get("region") or "")
    if not form.is_valid():
        return _render_index(request, reconcile_form=form, status=400)
    semester = Semester.objects.get(pk=form.cleaned_data["semester"])
    uploaded = form.cleaned_data["file"]
    try:
        _result, report = services.reconcile_roster(
            user=request.user, content=uploaded.read(), file_name=uploaded.name, semester=semester, scope=selected
        )
    except RosterFileError as error:
        form.add_error("file", error.message)
        return _render_index(request, reconcile_form=form, status=400)
    return _download(report, f"全国系统核对报告_{semester.year}{semester.get_term_display()}_{timezone.localdate():%Y%m%d}.xlsx")
