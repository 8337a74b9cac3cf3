"""Pages of the organisation area.

Each page checks the role first (403, see `aidface.org.access`), then fetches every object
through `aidface.org.scope` (404 outside the jurisdiction).
"""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aidface.audit.services import record
from aidface.org import access, scope, selectors, services
from aidface.org.forms import CampusForm, OfficeForm, ReviewForm, SchoolForm
from aidface.org.models import CampusStatus, Level, Role

logger = logging.getLogger(__name__)


def _require_office_staff(user) -> None:
    if user.role != Role.OFFICE_STAFF or user.office_id is None:
        raise PermissionDenied("只有资助部门工作人员可以进行此操作。")


def _show_rejection(request, form, error: services.OrgError, action: str) -> None:
    """Show why a change was not allowed, and record the denied attempt (the change itself rolled back)."""
    logger.info("%s denied for user %s", action, request.user.pk)
    record(user=request.user, action=action, outcome="denied", detail={"reason": error.message})
    form.add_error(None, error.message)


def _is_province_staff(user) -> bool:
    return user.role == Role.OFFICE_STAFF and user.office_id is not None and user.office.level == Level.PROVINCE


# Offices


@login_required
def office_list(request):
    access.check_may_read_offices(request.user)
    context = {"offices": selectors.office_list(request.user), "can_create": access.may_create_office(request.user)}
    return render(request, "org/office_list.html", context)


@login_required
def office_detail(request, pk: int):
    access.check_may_read_offices(request.user)
    office = scope.get_office_or_404(request.user, pk)
    context = {
        "office": office,
        "sub_offices": scope.offices_below(office, include_self=False).filter(parent=office),
        "schools": scope.direct_schools(office).select_related("region"),
        "staff": selectors.user_list(request.user).filter(office=office),
    }
    return render(request, "org/office_detail.html", context)


@login_required
def office_create(request):
    access.check_may_create_office(request.user)
    form = OfficeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            office = services.create_office(
                actor=request.user, region=form.cleaned_data["region"], name=form.cleaned_data["name"]
            )
        except services.OrgError as error:
            _show_rejection(request, form, error, "office.create")
        else:
            messages.success(request, f"已设立{office.name}。")
            return redirect("org:office_detail", pk=office.pk)
    return render(request, "org/office_form.html", {"form": form})


# Schools


@login_required
def school_list(request):
    access.check_may_read_org(request.user, access.SCHOOLS_DENIED)
    search = request.GET.get("q", "").strip()
    return render(
        request, "org/school_list.html", {"schools": selectors.school_list(request.user, search=search), "search": search}
    )


@login_required
def school_detail(request, pk: int):
    access.check_may_read_org(request.user, access.SCHOOLS_DENIED)
    school = scope.get_school_or_404(request.user, pk)
    context = {
        "school": school,
        "campuses": selectors.campus_list(request.user, school=school),
        "can_edit": request.user.role == Role.OFFICE_STAFF,
        "can_submit_campus": request.user.role == Role.SCHOOL_OPERATOR,
    }
    return render(request, "org/school_detail.html", context)


@login_required
def school_create(request):
    _require_office_staff(request.user)
    form = SchoolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            school = services.create_school(actor=request.user, **form.cleaned_data)
        except services.OrgError as error:
            _show_rejection(request, form, error, "school.create")
        else:
            messages.success(request, f"已登记学校：{school.name}。")
            return redirect("org:school_detail", pk=school.pk)
    return render(request, "org/school_form.html", {"form": form})


@login_required
def school_edit(request, pk: int):
    access.check_may_read_org(request.user, access.SCHOOLS_DENIED)
    school = scope.get_school_or_404(request.user, pk)
    _require_office_staff(request.user)
    initial = {
        "name": school.name,
        "region": school.region_id,
        "supervising_office": school.supervising_office_id,
        "principal_name": school.principal_name,
    }
    form = SchoolForm(request.POST or None, initial=initial, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_school(actor=request.user, school=school, **form.cleaned_data)
        except services.OrgError as error:
            _show_rejection(request, form, error, "school.edit")
        else:
            messages.success(request, "学校信息已保存。")
            return redirect("org:school_detail", pk=school.pk)
    return render(request, "org/school_form.html", {"form": form, "school": school})


# Campuses


@login_required
def campus_list(request):
    access.check_may_read_org(request.user, access.CAMPUSES_DENIED)
    status = request.GET.get("status", "")
    context = {
        "campuses": selectors.campus_list(request.user, status=status),
        "status": status,
        "statuses": CampusStatus.choices,
    }
    return render(request, "org/campus_list.html", context)


@login_required
def campus_detail(request, pk: int):
    access.check_may_read_org(request.user, access.CAMPUSES_DENIED)
    campus = scope.get_campus_or_404(request.user, pk)
    context = {
        "campus": campus,
        "can_edit": request.user.role == Role.SCHOOL_OPERATOR,
        "can_review": _is_province_staff(request.user) and campus.status == CampusStatus.SUBMITTED,
    }
    return render(request, "org/campus_detail.html", context)


@login_required
def campus_create(request):
    if request.user.role != Role.SCHOOL_OPERATOR:
        raise PermissionDenied("只有学校管理员可以提交校区信息。")
    school = scope.get_school_or_404(request.user, request.user.school_id)
    form = CampusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campus = services.submit_campus(actor=request.user, school=school, **form.cleaned_data)
        except services.OrgError as error:
            _show_rejection(request, form, error, "campus.submit")
        else:
            messages.success(request, "校区信息已提交，省级资助部门审核通过后方可使用。")
            return redirect("org:campus_detail", pk=campus.pk)
    return render(request, "org/campus_form.html", {"form": form, "school": school})


@login_required
def campus_edit(request, pk: int):
    access.check_may_read_org(request.user, access.CAMPUSES_DENIED)
    campus = scope.get_campus_or_404(request.user, pk)
    if request.user.role != Role.SCHOOL_OPERATOR:
        raise PermissionDenied("只有学校管理员可以修改校区信息。")
    initial = {
        "name": campus.name,
        "address": campus.address,
        "latitude": campus.latitude,
        "longitude": campus.longitude,
        "coord_system": campus.coord_system,
    }
    form = CampusForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campus = services.edit_campus(actor=request.user, campus=campus, **form.cleaned_data)
        except services.OrgError as error:
            _show_rejection(request, form, error, "campus.edit")
        else:
            if campus.has_pending_change:
                messages.success(request, "修改已提交审核；审核通过前仍使用原已批准的地址和点位。")
            elif campus.status == CampusStatus.SUBMITTED:
                messages.success(request, "修改已提交，省级资助部门审核通过后方可使用。")
            else:
                messages.success(request, "校区名称已保存。")
            return redirect("org:campus_detail", pk=campus.pk)
    return render(request, "org/campus_form.html", {"form": form, "school": campus.school, "campus": campus})


@login_required
def campus_review(request):
    if not _is_province_staff(request.user):
        raise PermissionDenied("校区地址和点位只能由省级资助部门审核。")
    return render(request, "org/campus_review.html", {"campuses": selectors.campuses_awaiting_review(request.user)})


@login_required
@require_POST
def campus_decide(request, pk: int):
    access.check_may_read_org(request.user, access.CAMPUSES_DENIED)
    campus = scope.get_campus_or_404(request.user, pk)
    if not _is_province_staff(request.user):
        raise PermissionDenied("校区地址和点位只能由省级资助部门审核。")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "审核请求不完整，请刷新页面后重新审核。")
        return redirect("org:campus_review")

    decision = form.cleaned_data["decision"]
    arguments = {
        "actor": request.user,
        "campus": campus,
        "comment": form.cleaned_data["comment"],
        "seen_submitted_at": form.cleaned_data["seen_submitted_at"],
    }
    try:
        if decision == "approve":
            services.approve_campus(**arguments)
            messages.success(request, f"已通过：{campus}。该地址和点位即日起生效。")
        else:
            services.reject_campus(**arguments)
            messages.success(request, f"已驳回：{campus}。")
    except services.OrgError as error:
        logger.info("campus %s %s denied for user %s", campus.pk, decision, request.user.pk)
        record(
            user=request.user,
            action=f"campus.{decision}",
            target=campus,
            target_repr=str(campus),
            school=campus.school,
            outcome="denied",
            detail={"reason": error.message},
        )
        messages.error(request, error.message)
    return redirect("org:campus_review")


# Users


@login_required
def user_list(request):
    access.check_may_read_org(request.user, access.USERS_DENIED)
    users = [(account, selectors.shown_username(account)) for account in selectors.user_list(request.user)]
    return render(request, "org/user_list.html", {"users": users})
