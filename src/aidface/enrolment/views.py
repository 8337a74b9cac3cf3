"""Enrolment pages: the terminal kiosk, the school's status lists and the office's appeals and resets.

Every page that shows personal data writes an audit entry; photos are decrypted and
served only through `photo`, inside the viewer's jurisdiction.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from aidface.audit.services import record
from aidface.enrolment import review, selectors, storage
from aidface.enrolment.forms import DecisionForm, ReasonForm, StatusFilterForm
from aidface.enrolment.models import AppealState, EnrolmentState, PhotoKind
from aidface.enrolment.services import EnrolmentError
from aidface.org import scope
from aidface.org.models import Role

PAGE_SIZE = 50
READER_ROLES = {Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL}
KIOSK_ROLES = {Role.TERMINAL, Role.SCHOOL_OPERATOR}


def _check_may_read(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权查看新增采集记录。")


def _audit_view(user, action: str, *, target=None, school=None, detail: dict | None = None) -> None:
    with transaction.atomic():
        record(user=user, action=action, target=target, target_repr=str(target or ""), school=school, detail=detail)


@login_required
def terminal(request: HttpRequest) -> HttpResponse:
    """Render the kiosk page: card read, consent, liveness prompts, capture and the Art. 7 fallbacks."""
    if request.user.role not in KIOSK_ROLES or not request.user.school_id:
        raise PermissionDenied("只有学校的终端机或学校管理员可以打开采集终端页面。")
    config = {
        "readerUrl": settings.AIDFACE_CARD_READER_URL,
        "apiBase": reverse("api:api-root") + "enrolment",
        "csrfToken": get_token(request),
    }
    return render(
        request,
        "enrolment/terminal.html",
        {"terminal_config": config, "school": request.user.school, "campus": request.user.campus},
    )


@login_required
def status_list(request: HttpRequest) -> HttpResponse:
    """Enrolment status per student, with late enrolments marked (Art. 6)."""
    _check_may_read(request.user)
    schools = scope.schools(request.user).order_by("code")
    form = StatusFilterForm(request.GET or None, schools=schools)
    school_id, state = None, ""
    if form.is_valid():
        school_id, state = form.cleaned_data["school"], form.cleaned_data["state"]
    found = selectors.student_statuses(request.user, school_id=school_id, state=state)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_view(
        request.user,
        "enrolment.view",
        detail={"list": "status", "school_id": school_id, "state": state, "page": page.number, "shown": len(page.object_list)},
    )

    labels = dict(EnrolmentState.choices)
    rows = [
        {
            "student": student,
            "enrolment_id": student.enrolment_id,
            "state_label": labels.get(student.enrolment_state, "未采集"),
            "late": bool(student.enrolment_late),
        }
        for student in page.object_list
    ]
    parameters = request.GET.copy()
    parameters.pop("page", None)
    return render(
        request, "enrolment/status_list.html", {"form": form, "page": page, "rows": rows, "query": parameters.urlencode()}
    )


@login_required
def provisional_list(request: HttpRequest) -> HttpResponse:
    _check_may_read(request.user)
    found = selectors.provisional_enrolments(request.user)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_view(request.user, "enrolment.view", detail={"list": "provisional", "page": page.number, "shown": len(page.object_list)})
    return render(request, "enrolment/provisional_list.html", {"page": page})


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """List evidence appeals: a school's own, or for office staff those of the schools in scope."""
    _check_may_read(request.user)
    state = request.GET.get("state", "")
    found = selectors.appeals(request.user)
    if state in AppealState.values:
        found = found.filter(state=state)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_view(request.user, "enrolment.view", detail={"list": "appeals", "state": state, "page": page.number})
    return render(
        request, "enrolment/appeal_list.html", {"page": page, "state": state, "states": AppealState.choices}
    )


@login_required
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check_may_read(request.user)
    enrolment = selectors.get_enrolment_or_404(request.user, pk)
    _audit_view(request.user, "enrolment.view", target=enrolment, school=enrolment.school, detail={"page": "detail"})
    user = request.user
    finished = enrolment.is_finished and enrolment.state != EnrolmentState.APPEAL_PENDING
    return render(
        request,
        "enrolment/enrolment_detail.html",
        {
            "enrolment": enrolment,
            "attempts": enrolment.attempts.select_related("live_photo").order_by("number"),
            "consents": enrolment.consents.all(),
            "photos": enrolment.photos.all(),
            "appeals": enrolment.appeals.all(),
            "may_register_provisional": user.role == Role.SCHOOL_OPERATOR and enrolment.state in review.FAILED_STATES,
            "may_appeal": user.role in review.APPEAL_FILING_ROLES
            and enrolment.state in review.FAILED_STATES | {EnrolmentState.PROVISIONAL},
            "may_reset": user.role == Role.OFFICE_STAFF
            and user.office_id == enrolment.school.supervising_office_id
            and finished,
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def register_provisional(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment_or_404(request.user, pk)
    try:
        review.register_provisional(user=request.user, enrolment=enrolment)
    except EnrolmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已登记为暂时录入，有效至本学期末，学生参加本学期例行抽查。")
    return redirect("enrolment:detail", pk=pk)


@login_required
@require_POST
def file_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写申诉理由。")
        return redirect("enrolment:detail", pk=pk)
    try:
        appeal = review.file_appeal(user=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"])
    except EnrolmentError as error:
        messages.error(request, error.message)
        return redirect("enrolment:detail", pk=pk)
    messages.success(request, f"佐证申诉已提交至{appeal.office}，请等待审核。")
    return redirect("enrolment:appeal_detail", pk=appeal.pk)


@login_required
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment_or_404(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写重置理由。")
        return redirect("enrolment:detail", pk=pk)
    try:
        review.reset_enrolment(user=request.user, enrolment=enrolment, reason=form.cleaned_data["reason"])
    except EnrolmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已重置该学生的新增采集，学生可在终端机重新采集。")
    return redirect("enrolment:detail", pk=pk)


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the appeal with the chip photo, the live capture and the evidence photo side by side."""
    _check_may_read(request.user)
    appeal = selectors.get_appeal_or_404(request.user, pk)
    enrolment = appeal.enrolment
    _audit_view(request.user, "enrolment.appeal_view", target=appeal, school=appeal.school)
    chip = enrolment.photos.filter(kind=PhotoKind.CHIP, created_at__lte=appeal.filed_at).order_by("-created_at", "-id").first()
    may_decide = appeal.state == AppealState.PENDING
    try:
        review.check_may_decide(request.user, appeal)
    except PermissionDenied:
        may_decide = False
    return render(
        request,
        "enrolment/appeal_detail.html",
        {
            "appeal": appeal,
            "enrolment": enrolment,
            "chip": chip,
            "live": appeal.attempt.live_photo,
            "evidence": appeal.evidence_photo,
            "may_decide": may_decide,
            "form": DecisionForm(),
        },
    )


@login_required
@require_POST
def decide_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_or_404(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择批准或驳回。")
        return redirect("enrolment:appeal_detail", pk=pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        review.decide_appeal(user=request.user, appeal=appeal, approve=approve, comment=form.cleaned_data["comment"])
    except EnrolmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已批准申诉，学生采集完成。" if approve else "已驳回申诉。")
    return redirect("enrolment:appeal_detail", pk=pk)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve one enrolment photo decrypted, never cached, after an audit entry."""
    _check_may_read(request.user)
    stored = selectors.get_photo_or_404(request.user, pk)
    enrolment = stored.enrolment
    _audit_view(
        request.user, "enrolment.photo_view", target=enrolment, school=enrolment.school, detail={"photo_id": stored.pk, "kind": stored.kind}
    )
    response = HttpResponse(storage.open_photo(stored), content_type=stored.content_type)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
