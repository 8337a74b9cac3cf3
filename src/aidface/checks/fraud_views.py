"""The office's list of check-in fraud signals across the checks of its jurisdiction."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aidface.audit.services import record
from aidface.checks import fraud_selectors as selectors
from aidface.checks.fraud_forms import FraudSignalFilterForm
from aidface.org import scope

PAGE_SIZE = 30


@login_required
def fraud_signal_list(request: HttpRequest) -> HttpResponse:
    if not selectors.may_read_fraud_signals(request.user):
        raise PermissionDenied("只有资助部门可以查看签到作弊风险提示。")
    form = FraudSignalFilterForm(
        request.GET,
        schools=scope.schools(request.user).order_by("code"),
        checks=selectors.checks_with_signals(request.user),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    signals = selectors.filter_signals(
        selectors.office_fraud_signals(request.user),
        kind=filters.get("kind", ""),
        school_id=filters.get("school"),
        check_id=filters.get("check_record"),
    ).order_by("-created_at", "-id")
    page = Paginator(selectors.with_visible_check_ins(request.user, signals), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.signal_views(page.object_list)

    with transaction.atomic():
        record(
            user=request.user,
            action="fraud_signal.list",
            detail={
                "kind": filters.get("kind", ""),
                "school_id": filters.get("school"),
                "check_id": filters.get("check_record"),
                "page": page.number,
                "shown": len(rows),
            },
        )

    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "checks/fraud_signal_list.html", {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    )
