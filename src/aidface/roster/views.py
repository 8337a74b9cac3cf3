"""Roster pages: student list, import (upload → preview → confirm) and export.

Every page that shows or hands out personal data writes an audit entry.
"""
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from aidface.audit.services import record
from aidface.org import scope
from aidface.org.models import Role
from aidface.roster import selectors, services
from aidface.roster.forms import StudentFilterForm, UploadForm
from aidface.roster.importing import ImportPlan
from aidface.roster.reading import RosterFileError

PAGE_SIZE = 50
# The preview lists at most this many rows per outcome, but the counts cover every row.
PREVIEW_ROWS = 200
ROSTER_ROLES = {Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL}


def _check_may_read(user) -> None:
    if not (user.is_superuser or user.role in ROSTER_ROLES):
        raise PermissionDenied("您的角色无权查看学生名册。")


def _nothing_to_import(plan: ImportPlan | None) -> str:
    """Return why confirming `plan` would change no student, or "" when it adds or updates some."""
    if plan is None or plan.added or plan.updated:
        return ""
    rejected_rows = sum(len(rejection.row_numbers) for rejection in plan.rejected)
    unchanged = len(plan.unchanged)
    if rejected_rows and unchanged:
        return (
            f"没有需要导入的内容：{unchanged} 名学生与名册中的信息相同，其余 {rejected_rows} 行被拒绝。"
            "请按下面的原因在原表中改正被拒绝的行，再重新上传。"
        )
    if rejected_rows:
        return f"没有可导入的学生：文件中的 {rejected_rows} 行全部被拒绝。请按下面的原因在原表中改正后重新上传。"
    if unchanged:
        return f"没有需要导入的内容：文件中的 {unchanged} 名学生与名册中的信息完全相同。"
    return "没有需要导入的内容：文件中没有学生数据行。请检查是否选错了文件或工作表。"


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    _check_may_read(request.user)
    schools = scope.schools(request.user).order_by("code")
    form = StudentFilterForm(request.GET or None, schools=schools)
    school_id = query = None
    if form.is_valid():
        school_id, query = form.cleaned_data.get("school"), form.cleaned_data["q"]
    found = selectors.search_students(request.user, school_id=school_id, query=query or "")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))

    # Names are personal data, so every page of the list is recorded. The search text is
    # left out because it may contain digits of an ID number.
    with transaction.atomic():
        record(
            user=request.user,
            action="roster.view",
            detail={"school_id": school_id, "page": page.number, "shown": len(page.object_list), "searched": bool(query)},
        )

    parameters = request.GET.copy()
    parameters.pop("page", None)
    # The export link needs one school: the one filtered on, or the user's only school.
    export_school = None
    if school_id:
        export_school = schools.get(pk=school_id)
    elif schools.count() == 1:
        export_school = schools.first()
    return render(
        request,
        "roster/students.html",
        {
            "form": form,
            "page": page,
            "query": parameters.urlencode(),
            "export_school": export_school,
            "may_import": request.user.role == Role.SCHOOL_OPERATOR,
        },
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    _check_may_read(request.user)
    school = scope.get_school_or_404(request.user, request.GET.get("school"))
    content = services.export_roster(user=request.user, school=school)
    file_name = f"学生名册_{school.code}_{timezone.localdate():%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.SCHOOL_OPERATOR:
        raise PermissionDenied("只有学校管理员可以导入学生名册。")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            roster_import = services.upload_roster(
                user=request.user, school=request.user.school, content=uploaded.read(), file_name=uploaded.name
            )
        except RosterFileError as error:
            form.add_error("file", error.message)
        else:
            return redirect("roster:import_preview", pk=roster_import.pk)
    recent = selectors.roster_imports(request.user)[:10]
    return render(request, "roster/import.html", {"form": form, "recent": recent})


@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = selectors.get_roster_import_or_404(request.user, pk)
    _check_may_read(request.user)
    plan = None
    if roster_import.status == "pending":
        try:
            plan = services.plan_of(roster_import)
        except RosterFileError as error:
            messages.error(request, error.message)
        with transaction.atomic():
            record(user=request.user, action="roster.preview", target=roster_import, school=roster_import.school)
    return render(
        request,
        "roster/preview.html",
        {
            "roster_import": roster_import,
            "plan": plan,
            "nothing_to_import": _nothing_to_import(plan),
            "limit": PREVIEW_ROWS,
            "may_confirm": request.user.role == Role.SCHOOL_OPERATOR and request.user.school_id == roster_import.school_id,
        },
    )


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = selectors.get_roster_import_or_404(request.user, pk)
    try:
        plan = services.confirm_import(user=request.user, roster_import=roster_import)
    except services.ImportStateError as error:
        messages.error(request, error.message)
        return redirect("roster:import_preview", pk=pk)
    counts = plan.counts
    messages.success(
        request,
        f"导入完成：新增 {counts['added']} 人，更新 {counts['updated']} 人，"
        f"未变 {counts['unchanged']} 人，拒绝 {counts['rejected']} 项。",
    )
    return redirect("roster:students")


@require_POST
@login_required
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    roster_import = selectors.get_roster_import_or_404(request.user, pk)
    try:
        services.discard_import(user=request.user, roster_import=roster_import)
    except services.ImportStateError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "已放弃本次导入，名册没有任何改动。")
    return redirect("roster:import")
