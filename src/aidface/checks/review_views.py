"""Forced-pass pages: the office's review list and detail with every photo side by side, the decision.

The supervising office's staff review (two people); offices above and the school read
the same pages without the decision form. Every page and every photo served writes an
audit entry; photos are decrypted only in `check_in_photo`, within the viewer's scope.
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
from aidface.checks import review_selectors as selectors
from aidface.checks.errors import CheckError
from aidface.checks.models import ForcedPassReview, Participant, ReviewState
from aidface.checks.review import may_review, review_forced_pass
from aidface.checks.review_forms import ReviewDecisionForm, ReviewFilterForm
from aidface.org import scope
from aidface.org.models import Role

PAGE_SIZE = 50


def _check_may_read(user) -> None:
    if not (user.is_superuser or user.role in selectors.READER_ROLES):
        raise PermissionDenied("您的角色无权查看强制通过记录。")


def _record_review_access(user, action: str, *, target=None, school=None, detail: dict | None = None) -> None:
    target_repr = _describe(target) if target is not None else ""
    with transaction.atomic():
        record(user=user, action=action, target=target, target_repr=target_repr, school=school, detail=detail)


def _describe(target: ForcedPassReview | Participant) -> str:
    participant = target.participant if isinstance(target, ForcedPassReview) else target
    return f"{participant.student.name}（{participant.check_record}）"


@login_required
def forced_pass_list(request: HttpRequest) -> HttpResponse:
    """List forced passes with their review state; office staff start from the pending ones."""
    user = request.user
    _check_may_read(user)
    schools = scope.schools(user).order_by("code")
    data = request.GET.copy()
    if not data and user.role == Role.OFFICE_STAFF:
        data["state"] = "pending"
    form = ReviewFilterForm(data, schools=schools)
    filters = form.cleaned_data if form.is_valid() else {}
    year, month = filters.get("month") or (None, None)
    now = timezone.now()
    reviews = selectors.filter_reviews(
        selectors.forced_pass_reviews(user),
        state=filters.get("state", ""),
        school_id=filters.get("school"),
        year=year,
        month=month,
        now=now,
    )
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    _record_review_access(
        user,
        "forced_pass_review.list",
        detail={"state": filters.get("state", ""), "school_id": filters.get("school"), "page": page.number,
                "shown": len(page.object_list)},
    )

    rows = [
        {
            "review": review,
            "participant": review.participant,
            "check_in": review.check_in,
            "state_label": selectors.review_state_label(review, now=now),
            "awaits_me": review.state == ReviewState.PENDING and review.due_at > now and may_review(user, review)
            and review.first_reviewer_id != user.pk,
        }
        for review in page.object_list
    ]
    data.pop("page", None)
    return render(
        request, "checks/forced_pass_list.html", {"form": form, "page": page, "rows": rows, "query": data.urlencode()}
    )


@login_required
def forced_pass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _check_may_read(request.user)
    review = selectors.get_review_or_404(request.user, pk)
    _record_review_access(request.user, "forced_pass_review.view", target=review, school=review.participant.school,
           detail={"state": review.state})
    return render(request, "checks/forced_pass_detail.html", _detail_context(request, review, ReviewDecisionForm()))


def _detail_context(request: HttpRequest, review: ForcedPassReview, form: ReviewDecisionForm) -> dict:
    user = request.user
    now = timezone.now()
    participant = review.participant
    open_for_decision = review.state == ReviewState.PENDING and review.due_at > now
    return {
        "review": review,
        "participant": participant,
        "student": participant.student,
        "check": participant.check_record,
        "forced": review.check_in,
        "attempts": [item for item in selectors.participant_check_ins(review) if item.pk != review.check_in_id],
        "enrolment": selectors.enrolment_photos(participant.student),
        "state_label": selectors.review_state_label(review, now=now),
        "may_review": open_for_decision and may_review(user, review) and review.first_reviewer_id != user.pk,
        "waits_for_second": open_for_decision and review.first_reviewer_id == user.pk,
        "form": form,
    }


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the reviewer's proposal or final decision from the detail page's form."""
    _check_may_read(request.user)
    found = selectors.get_review_or_404(request.user, pk)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "checks/forced_pass_detail.html", _detail_context(request, found, form), status=400)
    try:
        decided = review_forced_pass(
            user=request.user, review=found, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"]
        )
    except CheckError as error:
        messages.error(request, error.message)
        return redirect("checks:forced_pass_detail", pk=pk)

    if decided.state == ReviewState.PENDING:
        messages.success(request, "初审意见已保存，请由另一名工作人员作出复核决定。")
    elif decided.state == ReviewState.CONFIRMED:
        messages.success(request, "复核决定：确认通过，该学生本月结果维持强制通过。")
    else:
        messages.success(request, "复核决定：改为未通过，该学生本次抽查记为未通过，月度结果已重新计算。")
    return redirect("checks:forced_pass_detail", pk=pk)


@login_required
def check_in_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Serve one check-in photo (live frame or evidence) decrypted, never cached, after an audit entry."""
    _check_may_read(request.user)
    photo = selectors.get_check_in_photo_or_404(request.user, pk)
    _record_review_access(
        request.user,
        "check_in.photo_view",
        target=photo.participant,
        school=photo.participant.school,
        detail={"photo_id": photo.pk, "kind": photo.kind},
    )
    response = HttpResponse(selectors.open_check_in_photo(photo), content_type=photo.content_type)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
