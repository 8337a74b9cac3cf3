"""Spreadsheet pages of internships: import (upload → preview → confirm) and reconciliation with the platform."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from aidface.internships import selectors, sheet_services
from aidface.internships.columns import COLUMNS, RECONCILED_FIELDS
from aidface.internships.errors import InternshipError
from aidface.internships.exporting import import_template
from aidface.internships.forms import UploadForm
from aidface.internships.importing import ImportPlan
from aidface.internships.models import ImportStatus
from aidface.internships.reading import SheetFileError
from aidface.internships.validation import LABELS
from aidface.internships.views import audit_view, check_may_read, check_operator, xlsx_response
from aidface.org.models import Role

PREVIEW_ROWS = 200


def _nothing_to_import(plan: ImportPlan | None) -> str:
    if plan is None or plan.added or plan.updated:
        return ""
    if plan.rejected and plan.unchanged:
        return f"没有需要导入的内容：{len(plan.unchanged)} 条与系统中的记录相同，其余 {len(plan.rejected)} 行被拒绝。请按下面的原因在原表中改正后重新上传。"
    if plan.rejected:
        return f"没有可导入的记录：文件中的 {len(plan.rejected)} 行全部被拒绝。请按下面的原因在原表中改正后重新上传。"
    if plan.unchanged:
        return f"没有需要导入的内容：文件中的 {len(plan.unchanged)} 条记录与系统中的完全相同。"
    return "没有需要导入的内容：文件中没有数据行。请检查是否选错了文件或工作表。"


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    check_operator(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            upload = sheet_services.upload_import(
                user=request.user, school=request.user.school, content=uploaded.read(), file_name=uploaded.name
            )
        except SheetFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("internships:import_preview", pk=upload.pk)
    return render(
        request,
        "internships/import.html",
        {"form": form, "recent": selectors.imports(request.user)[:10], "columns": COLUMNS},
    )


@login_required
def import_template_download(request: HttpRequest) -> HttpResponse:
    check_operator(request.user)
    return xlsx_response(import_template(), "岗位实习导入模板.xlsx")


@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    check_may_read(request.user)
    upload = selectors.get_import_or_404(request.user, pk)
    plan = None
    if upload.status == ImportStatus.PENDING:
        try:
            plan = sheet_services.plan_of(upload)
        except (SheetFileError, InternshipError) as error:
            messages.error(request, error.message)
        audit_view(request.user, "internship.preview", target=upload, school=upload.school)
    return render(
        request,
        "internships/import_preview.html",
        {
            "upload": upload,
            "plan": plan,
            "nothing_to_import": _nothing_to_import(plan),
            "limit": PREVIEW_ROWS,
            "may_confirm": request.user.role == Role.SCHOOL_OPERATOR and request.user.school_id == upload.school_id,
        },
    )


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.get_import_or_404(request.user, pk)
    try:
        plan = sheet_services.confirm_import(user=request.user, upload=upload)
    except (InternshipError, SheetFileError) as error:
        messages.error(request, error.message)
        return redirect("internships:import_preview", pk=pk)
    counts = plan.counts
    messages.success(
        request,
        f"导入完成：新增 {counts['added']} 条，修改 {counts['updated']} 条，未变 {counts['unchanged']} 条，拒绝 {counts['rejected']} 行。"
        "新增的记录为草稿，请核对后提交备案。",
    )
    return redirect("internships:list")


@require_POST
@login_required
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.get_import_or_404(request.user, pk)
    try:
        sheet_services.discard_import(user=request.user, upload=upload)
    except InternshipError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "已放弃本次导入，实习记录没有任何改动。")
    return redirect("internships:import")


@login_required
def reconcile(request: HttpRequest) -> HttpResponse:
    """Upload the platform's export and compare it with the school's filed records (Art. 20)."""
    check_may_read(request.user)
    may_upload = request.user.role == Role.SCHOOL_OPERATOR and bool(request.user.school_id)
    form = UploadForm(request.POST or None, request.FILES or None, allow_csv=True)
    if request.method == "POST":
        check_operator(request.user)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                reconciliation = sheet_services.run_reconciliation(
                    user=request.user, school=request.user.school, content=uploaded.read(), file_name=uploaded.name
                )
            except SheetFileError as error:
                form.add_error("file", error.message)
            else:
                return redirect("internships:reconciliation", pk=reconciliation.pk)
    return render(
        request,
        "internships/reconcile.html",
        {
            "form": form,
            "may_upload": may_upload,
            "recent": selectors.reconciliations(request.user)[:20],
            "compared": "、".join(LABELS[name] for name in RECONCILED_FIELDS),
        },
    )


@login_required
def reconciliation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check_may_read(request.user)
    reconciliation = selectors.get_reconciliation_or_404(request.user, pk)
    audit_view(request.user, "internship.reconcile_view", target=reconciliation, school=reconciliation.school)
    counts = reconciliation.counts
    return render(
        request,
        "internships/reconciliation.html",
        {
            "reconciliation": reconciliation,
            "counts": counts,
            "skipped": "、".join(LABELS[name] for name in counts.get("skipped_fields", [])),
        },
    )


@login_required
def reconciliation_report(request: HttpRequest, pk: int) -> HttpResponse:
    reconciliation = selectors.get_reconciliation_or_404(request.user, pk)
    content = sheet_services.open_report(user=request.user, reconciliation=reconciliation)
    stamp = timezone.localtime(reconciliation.created_at)
    return xlsx_response(content, f"实习备案核对报告_{reconciliation.school.code}_{stamp:%Y%m%d%H%M}.xlsx")
