"""Internship pages: list, record form, detail with history, filing and return, imports and reconciliation.

Schools keep their records here; offices see the filings of the schools in their
jurisdiction and the supervising office may return one. Every page that shows personal
data writes an audit entry.
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

from aidface.audit import services as audit_log
from aidface import crypto
from aidface.internships import selectors, services
from aidface.internships.errors import InternshipError, InternshipValidationError
from aidface.internships.forms import RecordFilterForm, RecordForm, ReturnForm
from aidface.internships.models import InternshipState
from aidface.internships.validation import LABELS
from aidface.org import scope
from aidface.org.models import Role
from aidface.policy.calendar import local_day

PAGE_SIZE = 50
READER_ROLES = frozenset({Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL})


def check_may_read(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权查看岗位实习信息。")


def check_operator(user) -> None:
    if user.role != Role.SCHOOL_OPERATOR or not user.school_id:
        raise PermissionDenied("只有学校管理员可以登记和修改岗位实习信息。")


def audit_view(user, action: str, *, target=None, school=None, detail: dict | None = None) -> None:
    with transaction.atomic():
        audit_log.record(user=user, action=action, target=target, target_repr=str(target or ""), school=school, detail=detail)


def _today():
    return local_day(timezone.now())


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    check_may_read(request.user)
    today = _today()
    schools = scope.schools(request.user).order_by("code")
    form = RecordFilterForm(request.GET or None, schools=schools)
    filters = {"school_id": None, "state": "", "confirmation": ""}
    if form.is_valid():
        filters = {"school_id": form.cleaned_data.get("school"), "state": form.cleaned_data["state"], "confirmation": form.cleaned_data["confirmation"]}
    found = selectors.search_records(request.user, today=today, **filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_view(request.user, "internship.view", detail={"list": "records", **filters, "page": page.number, "shown": len(page.object_list)})

    rows = [{"record": item, "state": item.state_on(today), "state_label": InternshipState(item.state_on(today)).label} for item in page.object_list]
    parameters = request.GET.copy()
    parameters.pop("page", None)
    return render(
        request,
        "internships/record_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": parameters.urlencode(),
            "missing": selectors.missing_confirmations(request.user, today=today),
            "is_operator": request.user.role == Role.SCHOOL_OPERATOR,
            "is_office": request.user.role == Role.OFFICE_STAFF,
        },
    )


def _raw(form: RecordForm) -> dict[str, object]:
    return {name: form.cleaned_data.get(name, "") for name in form.fields if not form.fields[name].disabled}


@login_required
def record_create(request: HttpRequest) -> HttpResponse:
    check_operator(request.user)
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_record(user=request.user, school=request.user.school, raw=_raw(form))
        except InternshipValidationError as error:
            form.add_service_errors(error.errors)
        else:
            messages.success(request, "已登记岗位实习信息（草稿）。请核对后在实习开始日期之前提交同级资助部门备案。")
            return redirect("internships:detail", pk=created.pk)
    return render(request, "internships/record_form.html", {"form": form, "record": None})


@login_required
def record_edit(request: HttpRequest, pk: int) -> HttpResponse:
    check_operator(request.user)
    found = selectors.get_record_or_404(request.user, pk)
    initial = services.snapshot(found)
    form = RecordForm(request.POST or None, initial=initial, editing=True, filed=found.is_filed)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.update_record(user=request.user, record=found, raw=_raw(form))
        except InternshipValidationError as error:
            form.add_service_errors(error.errors)
        else:
            if result.changed_fields:
                messages.success(request, f"已保存修改：{result.changed_labels}。修改前的信息已保留在变更记录中。")
            else:
                messages.info(request, "没有修改任何内容。")
            return redirect("internships:detail", pk=found.pk)
    return render(request, "internships/record_form.html", {"form": form, "record": found})


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check_may_read(request.user)
    found = selectors.get_record_or_404(request.user, pk)
    audit_view(request.user, "internship.view", target=found, school=found.school, detail={"page": "detail"})
    today = _today()
    state = found.state_on(today)
    try:
        services.check_may_return(request.user, found)
        may_return = found.is_filed and today <= found.end_date
    except PermissionDenied:
        may_return = False
    is_operator = request.user.role == Role.SCHOOL_OPERATOR and request.user.school_id == found.school_id
    changes = [
        {
            "change": change,
            "rows": [(LABELS[name], change.before.get(name, ""), change.after.get(name, "")) for name in change.fields],
        }
        for change in found.changes.select_related("changed_by")
    ]
    return render(
        request,
        "internships/record_detail.html",
        {
            "record": found,
            "state": state,
            "state_label": InternshipState(state).label,
            "changes": changes,
            "photos": found.photos.all(),
            "may_edit": is_operator,
            "may_file": is_operator and not found.is_filed,
            "filing_too_late": today >= found.start_date,
            "may_return": may_return,
            "return_form": ReturnForm(),
        },
    )


@login_required
@require_POST
def record_file(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_record_or_404(request.user, pk)
    try:
        services.file_record(user=request.user, record=found)
    except InternshipError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已提交{found.school.supervising_office}备案。")
    return redirect("internships:detail", pk=pk)


@login_required
@require_POST
def record_return(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_record_or_404(request.user, pk)
    form = ReturnForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.return_record(user=request.user, record=found, comment=comment)
    except InternshipValidationError as error:
        messages.error(request, error.errors.get("comment", error.message))
    except InternshipError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已退回学校修改，该学生恢复参加例行抽查，直至学校重新备案。")
    return redirect("internships:detail", pk=pk)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve the confirmation photo decrypted, never cached, after an audit entry."""
    check_may_read(request.user)
    stored = selectors.get_photo_or_404(request.user, pk)
    audit_view(request.user, "internship.photo_view", target=stored.record, school=stored.record.school, detail={"photo_id": stored.pk})
    content = crypto.decrypt(bytes(stored.content), associated_data=stored.associated_data)
    response = HttpResponse(content, content_type=stored.content_type)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return response
