"""Appeal pages: the school's list, new-appeal form and detail; the office's inbox and decisions.

Every page that shows personal data writes an audit entry. Due appeals are expired on
every read, so the pages never offer a decision after the deadline even when
`aidface expire_appeals` has not run yet.
"""
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from aidface.appeals import selectors, services
from aidface.appeals.documents import MAX_DOCUMENT_BYTES, open_document
from aidface.appeals.errors import AppealError
from aidface.appeals.forms import AppealFilterForm, DecisionForm
from aidface.appeals.models import AppealKind, AppealState, ItemDecision
from aidface.appeals.windows import open_targets, window_text
from aidface.audit.services import record
from aidface.checks.models import MonthResult, MonthState
from aidface.org import scope
from aidface.org.models import Role
from aidface.policy.calendar import LocalWindow

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
READER_ROLES = frozenset({Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL})
# The forced-pass review pages of the checks app (two-person review, Art. 13).
FORCED_PASS_LIST_URL = "checks:forced_pass_list"
FORCED_PASS_DETAIL_URL = "checks:forced_pass_detail"


def _check_may_read(user) -> None:
    if not (user.is_superuser or user.role in READER_ROLES):
        raise PermissionDenied("您的角色无权查看抽查结果申诉。")


def _audit_view(user, action: str, *, target=None, school=None, detail: dict | None = None) -> None:
    with transaction.atomic():
        record(user=user, action=action, target=target, school=school, detail=detail)


def _url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    """List a school's appeals, or for office staff the signed appeals of the schools in its jurisdiction."""
    user = request.user
    _check_may_read(user)
    now = timezone.now()
    services.expire_due_appeals(now=now)

    form = AppealFilterForm(request.GET or None)
    found = selectors.appeals(user).order_by("-created_at", "-id")
    state, kind = "", ""
    if form.is_valid():
        state, kind = form.cleaned_data["state"], form.cleaned_data["kind"]
        if state:
            found = found.filter(state=state)
        if kind:
            found = found.filter(kind=kind)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _audit_view(user, "appeal.list", detail={"state": state, "kind": kind, "page": page.number})

    rows = [
        {
            "appeal": appeal,
            "state_label": AppealState(appeal.effective_state(now)).label,
            "to_decide": appeal.effective_state(now) == AppealState.FILED and services.may_decide(user, appeal),
        }
        for appeal in page.object_list
    ]
    context = {"form": form, "page": page, "rows": rows, "is_office": user.role == Role.OFFICE_STAFF}
    if user.role in services.DRAFTING_ROLES and user.school_id:
        context["open_targets"] = open_targets(user.school, now)
    if user.role == Role.OFFICE_STAFF:
        reviews = selectors.pending_forced_pass_reviews(user, now=now)
        context["forced_reviews"] = [
            {"review": review, "url": _url_or_empty(FORCED_PASS_DETAIL_URL, review.pk)} for review in reviews[:20]
        ]
        context["forced_review_count"] = reviews.count()
        context["forced_review_list_url"] = _url_or_empty(FORCED_PASS_LIST_URL)
    parameters = request.GET.copy()
    parameters.pop("page", None)
    context["query"] = parameters.urlencode()
    return render(request, "appeals/appeal_list.html", context)


def _selected_reasons(request: HttpRequest) -> dict[int, str]:
    reasons = {}
    for value in request.POST.getlist("student"):
        try:
            student_id = int(value)
        except ValueError:
            continue
        reasons[student_id] = request.POST.get(f"reason_{student_id}", "")
    return reasons


@login_required
def appeal_new(request: HttpRequest) -> HttpResponse:
    """Show and submit the new-appeal form: an open month or semester, its students, their reasons and the document."""
    user = request.user
    if user.role not in services.DRAFTING_ROLES or not user.school_id:
        raise PermissionDenied("只有学校管理员或校长可以提交申诉。")
    school = scope.get_school_or_404(user, user.school_id)
    now = timezone.now()
    targets = open_targets(school, now)
    key = request.POST.get("target") or request.GET.get("target") or (targets[0].key if len(targets) == 1 else "")
    target = next((item for item in targets if item.key == key), None)

    entered: dict[int, str] = {}
    if request.method == "POST":
        entered = _selected_reasons(request)
        upload = request.FILES.get("document")
        try:
            if upload is not None and upload.size > MAX_DOCUMENT_BYTES:
                raise AppealError(
                    "document_too_large",
                    f"正式行文文件为 {upload.size / 1024 / 1024:.1f} MB，超过 {MAX_DOCUMENT_BYTES // 1024 // 1024} MB 的上限，"
                    "请压缩文件或降低扫描分辨率后重新上传",
                )
            appeal = services.draft_appeal(
                user=user,
                target_key=key,
                reasons=entered,
                document=upload.read() if upload is not None else b"",
                document_name=upload.name if upload is not None else "",
                now=now,
            )
        except AppealError as error:
            logger.info("appeal draft rejected user=%s target=%s code=%s", user.pk, key, error.code)
            messages.error(request, error.message)
        else:
            if appeal.state == AppealState.FILED:
                messages.success(request, f"申诉已签署并提交至{appeal.office.name}，请等待审核。")
            else:
                messages.success(request, "申诉已起草，请校长登录系统签署后提交至同级资助部门。")
            return redirect("appeals:detail", pk=appeal.pk)

    candidates = selectors.candidates(school, target) if target else []
    _audit_view(
        user, "appeal.view", school=school, detail={"page": "new", "period": key, "shown": len(candidates)}
    )
    return render(
        request,
        "appeals/appeal_new.html",
        {
            "school": school,
            "targets": targets,
            "target": target,
            "window_text": window_text(target.window) if target else "",
            "candidates": candidates,
            "entered": entered,
            "max_mb": MAX_DOCUMENT_BYTES // 1024 // 1024,
            "is_principal": user.role == Role.PRINCIPAL,
        },
    )


def _current_results(appeal, items) -> dict[int, list[str]]:
    """Return per student the month results in force now, as "N月：state" labels."""
    labels = dict(MonthState.choices)
    results = MonthResult.objects.filter(student__in=[item.student_id for item in items])
    if appeal.kind == AppealKind.MONTHLY:
        results = results.filter(year=appeal.year, month=appeal.month)
    else:
        results = results.filter(semester=appeal.semester)
    found: dict[int, list[str]] = {}
    for result in results.order_by("year", "month"):
        found.setdefault(result.student_id, []).append(f"{result.month}月：{labels.get(result.state, result.state)}")
    return found


@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _check_may_read(user)
    now = timezone.now()
    services.expire_due_appeals(now=now)
    appeal = selectors.get_appeal_or_404(user, pk)
    _audit_view(user, "appeal.view", target=appeal, school=appeal.school)

    state = appeal.effective_state(now)
    items = list(appeal.items.select_related("student", "decided_by").order_by("student__class_name", "student__name"))
    current = _current_results(appeal, items)
    window = LocalWindow(appeal.window_first_day, appeal.window_last_day)
    is_school_staff = user.role in services.DRAFTING_ROLES and user.school_id == appeal.school_id
    rows = [
        {"item": item, "at_filing": item.state_labels(), "now": current.get(item.student_id, [])} for item in items
    ]
    return render(
        request,
        "appeals/appeal_detail.html",
        {
            "appeal": appeal,
            "state": state,
            "state_label": AppealState(state).label,
            "rows": rows,
            "timeline": selectors.timeline(appeal),
            "window_text": window_text(window),
            "window_open": window.contains(now),
            "may_sign": user.role == Role.PRINCIPAL and is_school_staff and state == AppealState.AWAITING_SIGNATURE,
            "may_withdraw": is_school_staff
            and state in {AppealState.AWAITING_SIGNATURE, AppealState.FILED}
            and all(item.decision == ItemDecision.PENDING for item in items),
            "may_decide": state == AppealState.FILED and services.may_decide(user, appeal),
            "pending": ItemDecision.PENDING,
        },
    )


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve the decrypted formal document as a download, never cached, after an audit entry."""
    user = request.user
    _check_may_read(user)
    appeal = selectors.get_appeal_or_404(user, pk)
    _audit_view(
        user,
        "appeal.document_view",
        target=appeal,
        school=appeal.school,
        detail={"document_sha256": appeal.document_sha256, "size": appeal.document_size},
    )
    response = HttpResponse(open_document(appeal), content_type=appeal.document_type)
    response["Content-Disposition"] = content_disposition_header(True, appeal.document_name)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_or_404(request.user, pk)
    try:
        appeal = services.sign_appeal(user=request.user, appeal=appeal)
    except AppealError as error:
        logger.info("appeal signature rejected user=%s appeal=%s code=%s", request.user.pk, pk, error.code)
        messages.error(request, error.message)
    else:
        messages.success(request, f"已签署，申诉已提交至{appeal.office.name}。")
    return redirect("appeals:detail", pk=pk)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_or_404(request.user, pk)
    try:
        services.withdraw_appeal(user=request.user, appeal=appeal)
    except AppealError as error:
        logger.info("appeal withdrawal rejected user=%s appeal=%s code=%s", request.user.pk, pk, error.code)
        messages.error(request, error.message)
    else:
        messages.success(request, "申诉已撤回。")
    return redirect("appeals:detail", pk=pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_appeal_or_404(request.user, pk)
    form = DecisionForm(request.POST, item_ids=list(appeal.items.values_list("pk", flat=True)))
    if not form.is_valid():
        messages.error(request, "请选择要审核的学生和审核结果。")
        return redirect("appeals:detail", pk=pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        items = services.decide_items(
            user=request.user,
            appeal=appeal,
            item_ids=form.cleaned_data["item"],
            approve=approve,
            comment=form.cleaned_data["comment"],
        )
    except AppealError as error:
        logger.info("appeal decision rejected user=%s appeal=%s code=%s", request.user.pk, pk, error.code)
        messages.error(request, error.message)
    else:
        names = "、".join(item.student.name for item in items)
        if approve:
            messages.success(request, f"已通过{names}的申诉，所申诉月份改为正常。")
        else:
            messages.success(request, f"已驳回{names}的申诉，维持原结果。")
    return redirect("appeals:detail", pk=pk)
