"""Duplicate-case pages: the office's queue, case detail with both photos, decisions; the school's view.

Every page showing personal data, and every photo served, writes an audit entry.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aidface.audit.services import record
from aidface.duplicates import galleries, selectors, services
from aidface.duplicates.forms import CaseFilterForm, DecisionForm
from aidface.duplicates.models import CaseStatus
from aidface.org import scope
from aidface.org.models import Role

PAGE_SIZE = 50
PHOTO_SIDES = {"student": "student_id", "matched": "matched_student_id"}
PHOTO_KINDS = ("chip", "live")


def _check_office(user) -> None:
    if not (user.is_superuser or user.role == Role.OFFICE_STAFF):
        raise PermissionDenied("只有资助部门可以查看疑似一人多籍案件。")


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _check_office(request.user)
    schools = scope.schools(request.user).order_by("code")
    # Without any filter the queue shows the open cases, which is the office's work list.
    data = request.GET.copy()
    if not data:
        data["status"] = CaseStatus.OPEN
    form = CaseFilterForm(data, schools=schools)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.filter_cases(
        selectors.office_cases(request.user),
        status=filters.get("status", ""),
        search_scope=filters.get("search_scope", ""),
        school_id=filters.get("school"),
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))

    with transaction.atomic():
        record(
            user=request.user,
            action="duplicate_case.list",
            detail={"status": filters.get("status", ""), "page": page.number, "shown": len(page.object_list)},
        )

    data.pop("page", None)
    return render(request, "duplicates/case_list.html", {"form": form, "page": page, "query": data.urlencode()})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check_office(request.user)
    case = selectors.get_office_case_or_404(request.user, pk)
    with transaction.atomic():
        record(user=request.user, action="duplicate_case.view", target=case, detail={"status": case.status})
    return render(request, "duplicates/case_detail.html", _detail_context(request, case, DecisionForm()))


@login_required
@require_POST
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _check_office(request.user)
    case = selectors.get_office_case_or_404(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "duplicates/case_detail.html", _detail_context(request, case, form), status=400)

    decide = services.clear_case if form.cleaned_data["decision"] == "clear" else services.confirm_case
    try:
        case = decide(user=request.user, case=case, comment=form.cleaned_data["comment"])
    except services.DecisionError as error:
        messages.error(request, error.message)
        return redirect("duplicates:case_detail", pk=case.pk)
    messages.success(request, f"已处理：{case.get_status_display()}。")
    return redirect("duplicates:case_detail", pk=case.pk)


@login_required
def case_photo(request: HttpRequest, pk: int, side: str, kind: str) -> HttpResponse:
    """Serve one decrypted photo of a student in the case, never cached by the browser."""
    _check_office(request.user)
    case = selectors.get_office_case_or_404(request.user, pk)
    if side not in PHOTO_SIDES or kind not in PHOTO_KINDS:
        raise Http404("照片不存在。")
    student_id = getattr(case, PHOTO_SIDES[side])
    photo = galleries.review_photo(student_id=student_id, kind=kind)
    if photo is None:
        raise Http404("该学生没有这张照片。")

    with transaction.atomic():
        record(
            user=request.user,
            action="duplicate_case.photo_view",
            target=case,
            detail={"side": side, "kind": kind, "student_id": student_id},
        )
    response = HttpResponse(photo.content, content_type=photo.content_type)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def school_case_list(request: HttpRequest) -> HttpResponse:
    """List the school's students that have a duplicate case, with its status but without the other school's student."""
    if request.user.role not in selectors.SCHOOL_ROLES:
        raise PermissionDenied("只有学校管理员和校长可以查看本校学生的疑似一人多籍情况。")
    own_school_ids = set(scope.school_ids(request.user))
    cases = selectors.school_cases(request.user)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_school_row(case, own_school_ids) for case in page.object_list]

    with transaction.atomic():
        record(user=request.user, action="duplicate_case.school_list", detail={"page": page.number, "shown": len(rows)})
    return render(request, "duplicates/school_cases.html", {"page": page, "rows": rows})


def _school_row(case, own_school_ids: set[int]) -> dict:
    """Return one line of the school's list: its own student, and the other student only if also its own."""
    ours, other = (case.student, case.matched_student)
    if ours.school_id not in own_school_ids:
        ours, other = other, ours
    return {
        "case": case,
        "student": ours,
        "waiting": ours.pk == case.student_id and case.is_open,
        "other": other if other.school_id in own_school_ids else None,
    }


def _detail_context(request: HttpRequest, case, form: DecisionForm) -> dict:
    return {
        "case": case,
        "form": form,
        "may_decide": case.is_open and services.may_decide(request.user, case),
        "sides": [
            _side("student", case.student, "新采集学生（等待核查）"),
            _side("matched", case.matched_student, "已在库学生"),
        ],
    }


def _side(side: str, student, heading: str) -> dict:
    available = galleries.available_photo_kinds(student.pk)
    photos = [(kind, label, kind in available) for kind, label in (("chip", "身份证照片"), ("live", "现场照片"))]
    return {"side": side, "student": student, "heading": heading, "photos": photos}
