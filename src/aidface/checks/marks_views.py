"""Pages for marks (Art. 12) and month results (Art. 11–14).

School operators mark students and withdraw marks; principals and offices read. Every
page that shows personal data, and every attachment download, writes an audit entry.
"""
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from aidface.audit.services import record
from aidface.checks import marks as mark_services
from aidface.checks import result_selectors as selectors
from aidface.checks.marks_forms import ClassFilterForm, MarkFilterForm, MarkForm, MonthResultFilterForm
from aidface.checks.models import Mark
from aidface.org import scope
from aidface.org.models import Role
from aidface.roster.services import semester_at

PAGE_SIZE = 50
READER_ROLES = {Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL}


def _check_may_read(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权查看抽查结果和标示通过记录。")


def _check_operator(user) -> None:
    if user.role != Role.SCHOOL_OPERATOR or not user.school_id:
        raise PermissionDenied("只有学校管理员可以标示或撤销标示通过。")


def _audit_view(user, action: str, *, target=None, school=None, detail: dict | None = None) -> None:
    with transaction.atomic():
        record(user=user, action=action, target=target, target_repr=str(target or ""), school=school, detail=detail)


def _query_without_page(request: HttpRequest) -> str:
    parameters = request.GET.copy()
    parameters.pop("page", None)
    return parameters.urlencode()


@login_required
def month_results(request: HttpRequest) -> HttpResponse:
    """Month results of the schools in scope, with counts per state."""
    _check_may_read(request.user)
    now = timezone.now()
    schools = list(scope.schools(request.user).order_by("code"))
    semester_at(now)
    semesters = selectors.recent_semesters(timezone.localdate(now))
    data = request.GET.copy()
    if not data.get("semester") and semesters:
        data["semester"] = str(semesters[0].pk)
    form = MonthResultFilterForm(data, schools=schools, semesters=semesters)
    semester_id = month = school_id = None
    state = ""
    if form.is_valid():
        semester_id = form.cleaned_data["semester"]
        month = form.cleaned_data["month"]
        school_id = form.cleaned_data.get("school")
        state = form.cleaned_data["state"]

    unfiltered_state = selectors.month_results(request.user, semester_id=semester_id, month=month, school_id=school_id)
    counts = selectors.counts_per_state(unfiltered_state)
    found = unfiltered_state.filter(state=state) if state else unfiltered_state
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_view(
        request.user,
        "month_result.view",
        detail={
            "semester_id": semester_id,
            "month": month,
            "school_id": school_id,
            "state": state,
            "page": page.number,
            "shown": len(page.object_list),
        },
    )
    return render(
        request,
        "checks/month_results.html",
        {"form": form, "page": page, "counts": counts, "total": sum(item[2] for item in counts), "query": _query_without_page(request)},
    )


@login_required
def mark_list(request: HttpRequest) -> HttpResponse:
    """Marks of the schools in scope; the school operator may withdraw those of unlocked months."""
    _check_may_read(request.user)
    now = timezone.now()
    schools = list(scope.schools(request.user).order_by("code"))
    marked_years = Mark.objects.filter(school__in=scope.schools(request.user)).values_list("year", flat=True).distinct()
    years = sorted({timezone.localdate(now).year, *marked_years}, reverse=True)
    form = MarkFilterForm(request.GET or None, schools=schools, years=years)
    filters = {"year": None, "month": None, "school_id": None, "reason": "", "include_withdrawn": False}
    if form.is_valid():
        filters = {
            "year": form.cleaned_data["year"],
            "month": form.cleaned_data["month"],
            "school_id": form.cleaned_data.get("school"),
            "reason": form.cleaned_data["reason"],
            "include_withdrawn": form.cleaned_data["withdrawn"],
        }
    found = selectors.marks(request.user, **filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_view(request.user, "mark.list", detail={**filters, "page": page.number, "shown": len(page.object_list)})

    is_operator = request.user.role == Role.SCHOOL_OPERATOR and bool(request.user.school_id)
    markable = {(item.year, item.month) for item in selectors.markable_months(request.user.school, now)} if is_operator else set()
    rows = [
        {"mark": mark, "may_withdraw": is_operator and mark.withdrawn_at is None and (mark.year, mark.month) in markable}
        for mark in page.object_list
    ]
    return render(
        request,
        "checks/mark_list.html",
        {"form": form, "page": page, "rows": rows, "is_operator": is_operator, "query": _query_without_page(request)},
    )


@login_required
def mark_new(request: HttpRequest) -> HttpResponse:
    """Mark one or several students of the own school for a month, with a reason and an optional attachment."""
    _check_operator(request.user)
    school = request.user.school
    now = timezone.now()
    months = selectors.markable_months(school, now)
    class_form = ClassFilterForm(request.GET or None, class_names=selectors.class_names(school))
    class_name = class_form.cleaned_data["class_name"] if class_form.is_valid() else ""
    students = list(selectors.markable_students(school, class_name=class_name))

    if request.method == "POST":
        form = MarkForm(request.POST, request.FILES, months=months, students=students)
        if form.is_valid():
            done, failed = _mark_selected(request, form, now=now)
            for message in failed:
                messages.error(request, message)
            if done:
                messages.success(request, f"已为 {done} 名学生标示通过。")
            if not failed:
                return redirect("checks:marks")
    else:
        form = MarkForm(months=months, students=students)

    _audit_view(request.user, "mark.student_list", school=school, detail={"class_name": class_name, "shown": len(students)})
    return render(
        request,
        "checks/mark_new.html",
        {"form": form, "class_form": class_form, "months": months, "school": school, "student_count": len(students)},
    )


def _mark_selected(request: HttpRequest, form: MarkForm, *, now) -> tuple[int, list[str]]:
    """Mark each selected student; return how many were marked and the Chinese errors of the others."""
    year, month = form.selected_month()
    upload = form.cleaned_data.get("attachment")
    attachment = None
    if upload:
        attachment = mark_services.Attachment(name=upload.name, content=upload.read())
    selected = scope.students(request.user).filter(pk__in=form.cleaned_data["students"]).select_related("school")
    done, failed = 0, []
    for student in selected.order_by("class_name", "name", "pk"):
        try:
            mark_services.mark_student(
                user=request.user,
                student=student,
                year=year,
                month=month,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                attachment=attachment,
                now=now,
            )
        except mark_services.MarkError as error:
            failed.append(f"{student.name}：{error.message}")
            continue
        done += 1
    return done, failed


@login_required
@require_POST
def mark_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    _check_operator(request.user)
    mark = selectors.get_mark_or_404(request.user, pk)
    try:
        mark_services.withdraw_mark(user=request.user, mark=mark)
    except mark_services.MarkError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已撤销{mark.student.name}{mark.year}年{mark.month}月的标示。")
    return redirect("checks:marks")


@login_required
def mark_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve a mark's attachment decrypted, never cached, after an audit entry."""
    _check_may_read(request.user)
    mark = selectors.get_mark_or_404(request.user, pk)
    if not mark.attachment:
        raise Http404("该标示没有附件。")
    _audit_view(
        request.user,
        "mark.attachment_view",
        target=mark,
        school=mark.school,
        detail={"student_id": mark.student_id, "year": mark.year, "month": mark.month, "type": mark.attachment_type},
    )
    response = HttpResponse(mark_services.open_attachment(mark), content_type=mark.attachment_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(mark.attachment_name)}"
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
