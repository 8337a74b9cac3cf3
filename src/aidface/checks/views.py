"""Check pages: the office's list, launch forms, detail with live progress and semester dashboard,
and the schools' list of the checks that cover them.

Every check is fetched through `selectors.visible_checks`, so a check that is not yet
visible to the user, or outside the user's jurisdiction, gives 404.
"""
from datetime import datetime, timedelta

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
from aidface.checks import dashboard, fraud_selectors, launching, selectors
from aidface.checks.errors import CheckError
from aidface.checks.forms import CheckFilterForm, RoutineLaunchForm, TargetedLaunchForm
from aidface.checks.models import Check, Participant, ParticipantStatus, SampleMethod
from aidface.org import scope
from aidface.org.models import Role
from aidface.policy.calendar import SHANGHAI, Term, semester_of_moment
from aidface.policy.selectors import effective_policy_for_office
from aidface.roster.models import Semester

PAGE_SIZE = 50
READER_ROLES = {Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL}
# Open checks refresh their progress this often (seconds); a plain reload, no websockets.
REFRESH_SECONDS = 30
# A reload of the same participant page within this time is not audited again.
VIEW_AUDIT_REPEAT = timedelta(minutes=10)
LAST_VIEW_SESSION_KEY = "checks.last_participant_view"


def _check_may_read(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权查看抽查。")


def _check_office_staff(user) -> None:
    if user.role != Role.OFFICE_STAFF or not user.office_id:
        raise PermissionDenied("只有资助部门工作人员可以发起抽查或查看例行抽查安排。")


def _filter_by_state(checks, state: str, now: datetime):
    if state == "cancelled":
        return checks.filter(cancelled_at__isnull=False)
    if state == "planned":
        return checks.filter(cancelled_at__isnull=True, starts_at__gt=now)
    if state == "open":
        return checks.filter(cancelled_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
    if state == "ended":
        return checks.filter(cancelled_at__isnull=True, ends_at__lte=now)
    return checks


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    """List the checks the user may see, with progress counts limited to the user's schools."""
    user = request.user
    _check_may_read(user)
    now = timezone.now()
    schools = scope.schools(user).order_by("code")
    semesters = Semester.objects.order_by("-year", "-term")
    form = CheckFilterForm(request.GET or None, semesters=semesters, schools=schools)

    checks = selectors.visible_checks(user, now=now)
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            checks = checks.filter(kind=data["kind"])
        if data["semester"]:
            checks = checks.filter(semester_id=data["semester"])
        if data["school"]:
            checks = checks.filter(check_schools__school=data["school"])
        checks = _filter_by_state(checks, data["state"], now)
    school_ids = None if user.role == Role.OFFICE_STAFF or user.is_superuser else scope.school_ids(user)
    checks = checks.select_related("office").order_by("-starts_at", "-id")
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    check_ids = [check.pk for check in page.object_list]
    progress = selectors.progress_by_check(check_ids, school_ids=school_ids)
    school_counts = selectors.school_counts(check_ids)
    rows = []
    for check in page.object_list:
        state = selectors.check_state(check, now)
        rows.append(
            {
                "check": check,
                "state": state,
                "state_label": selectors.STATE_LABELS[state],
                "progress": progress[check.pk],
                "school_count": school_counts[check.pk],
            }
        )

    parameters = request.GET.copy()
    parameters.pop("page", None)
    return render(
        request,
        "checks/check_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": parameters.urlencode(),
            "may_launch": user.role == Role.OFFICE_STAFF and bool(user.office_id),
        },
    )


@login_required
def launch_routine(request: HttpRequest) -> HttpResponse:
    user = request.user
    _check_office_staff(user)
    policy = effective_policy_for_office(user.office)
    form = RoutineLaunchForm(request.POST or None, max_minutes=policy.routine_check_max_minutes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = launching.launch_routine_check(
                user=user,
                day=data["day"],
                start_time=data["start_time"],
                random_time_today=data["timing"] == "random_today",
                duration_minutes=data["duration_minutes"],
            )
        except CheckError as error:
            form.add_error(None, error.message)
        else:
            starts = check.starts_at.astimezone(SHANGHAI)
            messages.success(
                request, f"例行抽查已发起，将于 {starts:%Y-%m-%d %H:%M} 开始，覆盖 {check.schools.count()} 所直属学校。开始前学校不会收到通知。"
            )
            return redirect("checks:detail", pk=check.pk)

    year, term = semester_of_moment(timezone.now())
    covered = launching.routine_schools(user.office)
    return render(
        request,
        "checks/launch_routine.html",
        {
            "form": form,
            "window": launching.routine_window_for(policy, timezone.now()),
            "term_label": Term(term).label,
            "year": year,
            "schools": covered,
            "schools_without_campus": scope.direct_schools(user.office).exclude(pk__in=[school.pk for school in covered]),
        },
    )


def _roster_for_picker(user, school_id: str | None):
    """Return the aid students of one school in scope for the named-student picker, or none."""
    if not school_id:
        return None, []
    school = scope.get_school_or_404(user, school_id)
    students = scope.students(user).filter(school=school, aid_status__in=launching.AID_STATUSES)
    return school, list(students.order_by("grade", "class_name", "name"))


def _named_students(user, data) -> list[int]:
    """Return the ids of the named students: the picked roster rows and the typed ID numbers, all in scope."""
    ids = set(data.get("student_ids") or [])
    numbers = data.get("id_numbers") or []
    if numbers:
        found = dict(scope.students(user).filter(id_number__in=numbers).values_list("id_number", "pk"))
        missing = [number for number in numbers if number not in found]
        if missing:
            raise CheckError("unknown_id_number", f"有 {len(missing)} 个身份证号不在本部门辖区学校的名册中，请核对后重新填写。")
        ids |= set(found.values())
    return sorted(ids)


@login_required
def launch_targeted(request: HttpRequest) -> HttpResponse:
    user = request.user
    _check_office_staff(user)
    policy = effective_policy_for_office(user.office)
    schools = list(scope.schools(user).select_related("supervising_office").order_by("supervising_office__region_id", "code"))
    roster_school, roster = _roster_for_picker(user, request.GET.get("roster_school"))
    form = TargetedLaunchForm(request.POST or None, schools=schools, roster=roster, max_minutes=policy.targeted_check_max_minutes)

    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = _launch_targeted_from(user, data)
        except CheckError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "定向抽查已发起。开始前学校不会收到通知，抽查名单在开始时按记录的随机种子抽取。")
            _warn_small_pool(request, check)
            return redirect("checks:detail", pk=check.pk)

    return render(
        request,
        "checks/launch_targeted.html",
        {"form": form, "schools": schools, "roster_school": roster_school, "roster": roster},
    )


def _warn_small_pool(request: HttpRequest, check: Check) -> None:
    """Warn when a random sample cannot reach its size from the students who can check in today.

    Launch still succeeds, because students who finish enrolment before the start join the
    pool when it is drawn.
    """
    if check.sample_method not in (SampleMethod.COUNT, SampleMethod.PERCENT):
        return
    school_ids = list(check.check_schools.values_list("school_id", flat=True))
    pool = launching.eligible_sample_students(school_ids=school_ids, at=max(check.starts_at, timezone.now())).count()
    if pool == 0:
        messages.warning(
            request,
            "提醒：所选学校目前没有已完成新增采集的受助学生，如开始前仍无人完成采集，本次抽查将无人需要签到。",
        )
    elif check.sample_method == SampleMethod.COUNT and check.sample_size > pool:
        messages.warning(
            request,
            f"提醒：所选学校目前只有 {pool} 名已完成新增采集的受助学生，少于要求的 {check.sample_size} 人，开始时将全部抽取。",
        )


def _launch_targeted_from(user, data) -> Check:
    method = data["sample_method"]
    named = _named_students(user, data) if method == SampleMethod.NAMED else []
    school_ids = set(data["schools"])
    if named:
        school_ids |= set(scope.students(user).filter(pk__in=named).values_list("school_id", flat=True))
    starts_at = None
    if not data["start_now"]:
        starts_at = datetime.combine(data["day"], data["start_time"], tzinfo=SHANGHAI)
    return launching.launch_targeted_check(
        user=user,
        school_ids=sorted(school_ids),
        starts_at=starts_at,
        duration_minutes=data["duration_minutes"],
        sample_method=method,
        sample_size=data["sample_size"] if method != SampleMethod.NAMED else None,
        named_student_ids=named,
        seed=data["seed"] or None,
    )


@login_required
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the check with its progress per school and, once drawn, its participants in the user's schools."""
    user = request.user
    _check_may_read(user)
    now = timezone.now()
    check = selectors.get_check_or_404(user, pk, now=now)
    progress = selectors.check_progress(check, user=user, now=now)

    participants = Participant.objects.filter(check_record=check, school__in=scope.schools(user)).select_related(
        "student", "school"
    )
    school_filter = request.GET.get("school", "")
    status_filter = request.GET.get("status", "")
    if school_filter.isdigit():
        participants = participants.filter(school_id=int(school_filter))
    if status_filter in ParticipantStatus.values:
        participants = participants.filter(status=status_filter)
    participants = participants.order_by("school__code", "student__grade", "student__class_name", "student__name")
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    if page.object_list:
        view = {"page": page.number, "school": school_filter, "status": status_filter}
        _audit_participant_view(request, check, now, view, len(page.object_list))

    parameters = request.GET.copy()
    parameters.pop("page", None)
    return render(
        request,
        "checks/check_detail.html",
        {
            "check": check,
            "progress": progress,
            "page": page,
            "query": parameters.urlencode(),
            "status_choices": ParticipantStatus.choices,
            "status_filter": status_filter,
            "school_filter": school_filter,
            "refresh_seconds": REFRESH_SECONDS if progress.state in ("open", "planned") else None,
            "may_cancel": progress.state == "planned" and user.role == Role.OFFICE_STAFF and user.office_id == check.office_id,
            "is_launching_office": user.office_id == check.office_id,
            "show_fraud_signals": fraud_selectors.may_read_fraud_signals(user),
            "fraud_signals": fraud_selectors.fraud_signals_for(user, check),
        },
    )


def _audit_participant_view(request: HttpRequest, check: Check, now: datetime, view: dict, row_count: int) -> None:
    """Record that the user saw a page of the check's participants (Art. 23).

    The page reloads itself every 30 seconds while the check is open, so the same view in
    the same session is recorded again only after `VIEW_AUDIT_REPEAT`.
    """
    key = f"{check.pk}|{view['page']}|{view['school']}|{view['status']}"
    last = request.session.get(LAST_VIEW_SESSION_KEY)
    if last and last[0] == key and now.timestamp() - last[1] < VIEW_AUDIT_REPEAT.total_seconds():
        return
    with transaction.atomic():
        record(user=request.user, action="check.view", target=check, detail={**view, "shown": row_count})
    request.session[LAST_VIEW_SESSION_KEY] = [key, now.timestamp()]


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.get_check_or_404(request.user, pk)
    try:
        launching.cancel_check(user=request.user, check=check)
    except CheckError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "抽查已撤销，学校不会收到通知。")
    return redirect("checks:detail", pk=pk)


def _semester_choice(value: str | None, now: datetime) -> tuple[int, Term]:
    """Parse "2026-spring" from the query string, defaulting to the semester of `now`."""
    if value:
        year_text, _, term_text = value.partition("-")
        if year_text.isdigit() and term_text in {item.value for item in Term}:
            return int(year_text), Term(term_text)
    return semester_of_moment(now)


@login_required
def semester_dashboard(request: HttpRequest) -> HttpResponse:
    """Show per month of the routine window whether the office has a routine check, warning below the minimum (Art. 9)."""
    user = request.user
    _check_office_staff(user)
    now = timezone.now()
    year, term = _semester_choice(request.GET.get("semester"), now)
    board = dashboard.semester_dashboard(user.office, year=year, term=term, now=now)
    choices = []
    for choice_year in range(now.astimezone(SHANGHAI).year - 1, now.astimezone(SHANGHAI).year + 2):
        for choice_term in (Term.SPRING, Term.AUTUMN):
            choices.append((f"{choice_year}-{choice_term.value}", f"{choice_year}年{choice_term.label}学期"))
    return render(
        request,
        "checks/semester_dashboard.html",
        {"board": board, "choices": choices, "selected": f"{year}-{Term(term).value}", "term_label": Term(term).label, "year": year},
    )
