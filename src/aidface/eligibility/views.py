"""Eligibility pages: counts per school and per region, and the cancelled students with their reasons.

Offices see the schools of their jurisdiction, school staff their own school. The list
shows names and masked ID numbers, so every page view writes an audit entry.
"""
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
from aidface.eligibility import selectors, services
from aidface.eligibility.forms import EligibilityFilterForm
from aidface.eligibility.models import SemesterEligibility
from aidface.org import scope
from aidface.org.models import Role
from aidface.roster.models import Semester
from aidface.roster.services import semester_at

PAGE_SIZE = 50
READER_ROLES = frozenset({Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL})


def check_may_read(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权查看学期受助资格。")


def current_filter(request: HttpRequest) -> tuple[EligibilityFilterForm, selectors.EligibilityFilter]:
    """Return the filter form of the request and the filter it selects (the current semester by default)."""
    user = request.user
    now = timezone.now()
    current = semester_at(now)
    semesters = list(Semester.objects.order_by("-year", "-term"))
    schools = list(scope.schools(user).order_by("code"))
    regions = list(scope.regions(user).filter(schools__isnull=False).distinct().order_by("code")) if len(schools) > 1 else []
    data = request.GET.copy()
    data.setdefault("semester", str(current.pk))
    # A school or region outside the jurisdiction is 404, as for any record fetched through scope.
    if data.get("school"):
        scope.get_school_or_404(user, data["school"])
    if data.get("region"):
        scope.get_region_or_404(user, data["region"])
    form = EligibilityFilterForm(data, semesters=semesters, schools=schools, regions=regions)

    semester, school_id, region, status, reason = current, None, "", "", ""
    if form.is_valid():
        cleaned = form.cleaned_data
        semester = next((item for item in semesters if item.pk == cleaned["semester"]), current)
        school_id = cleaned.get("school")
        region = cleaned.get("region") or ""
        status = cleaned["status"]
        reason = cleaned["reason"]
    return form, selectors.EligibilityFilter(
        semester=semester, school_id=school_id, region_code=region, status=status, reason=reason
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    check_may_read(user)
    now = timezone.now()
    form, filters = current_filter(request)
    rows = selectors.eligibilities(user, filters)

    cancelled = (
        rows.filter(eligible=False)
        .select_related("student", "school")
        .order_by("school__code", "student__grade", "student__class_name", "student__name", "pk")
    )
    page = Paginator(cancelled, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [_entry(item, now) for item in page.object_list]

    with transaction.atomic():
        record(
            user=user,
            action="eligibility.view",
            detail={
                "semester_id": filters.semester.pk,
                "school_id": filters.school_id,
                "region": filters.region_code,
                "status": filters.status,
                "reason": filters.reason,
                "page": page.number,
                "shown": len(entries),
            },
        )

    parameters = request.GET.copy()
    parameters.pop("page", None)
    return render(
        request,
        "eligibility/overview.html",
        {
            "form": form,
            "semester": filters.semester,
            "by_school": selectors.counts_by_school(rows, now=now),
            "by_region": selectors.counts_by_region(rows, now=now),
            "reasons": selectors.reason_counts(rows),
            "total": rows.count(),
            "page": page,
            "entries": entries,
            "query": parameters.urlencode(),
            "may_recompute": user.is_superuser or user.role == Role.OFFICE_STAFF,
        },
    )


def _entry(item: SemesterEligibility, now) -> dict:
    return {
        "school": item.school.name,
        "name": item.student.name,
        "masked_id": item.student.masked_id_number,
        "grade": item.student.grade,
        "class_name": item.student.class_name,
        "passing_months": item.passing_months,
        "normal_months": item.normal_months,
        "reasons": item.reason_labels,
        "final": item.is_final_at(now),
    }


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Recompute the semester for every school in the office's jurisdiction (after roster changes, for example)."""
    user = request.user
    if not (user.is_superuser or user.role == Role.OFFICE_STAFF):
        raise PermissionDenied("只有资助部门工作人员可以重新计算受助资格。")
    semester = Semester.objects.filter(pk=request.POST.get("semester")).first()
    if semester is None:
        messages.error(request, "请选择要重新计算的学期。")
        return redirect("eligibility:overview")
    school_ids = scope.school_ids(user)
    summary = services.recompute_eligibility(semester=semester, school_ids=school_ids)
    with transaction.atomic():
        record(
            user=user,
            action="eligibility.recompute",
            target=semester,
            detail={"schools": len(school_ids), "students": summary.students, "written": summary.written},
        )
    messages.success(
        request,
        f"已重新计算{semester}的受助资格：共 {summary.students} 名学生，保留 {summary.eligible} 名，取消 {summary.cancelled} 名。",
    )
    return redirect(f"{_overview_url()}?semester={semester.pk}")


def _overview_url() -> str:
    from django.urls import reverse

    return reverse("eligibility:overview")
