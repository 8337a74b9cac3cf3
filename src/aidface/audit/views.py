from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aidface.audit import selectors
from aidface.audit.forms import LogFilterForm
from aidface.audit.services import record

PAGE_SIZE = 50


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """Show the audit log of the user's jurisdiction, filtered and paginated."""
    if not selectors.can_view_log(request.user):
        raise PermissionDenied("您的角色无权查看审计日志。")

    form = LogFilterForm(request.GET or None)
    valid = form.is_valid()
    log_filter = selectors.LogFilter(**form.cleaned_data) if valid else selectors.LogFilter()

    # The log names people and their addresses, so reading it is itself recorded. The
    # entry is written before the page is counted, so it does not shift the page.
    used_filters = {name: str(value) for name, value in form.cleaned_data.items() if value} if valid else {}
    with transaction.atomic():
        record(
            user=request.user,
            action="audit.view",
            detail={"page": request.GET.get("page", "1")[:8], "filter": used_filters},
        )

    entries = selectors.filter_entries(selectors.entries_for(request.user), log_filter).select_related("user__office")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))

    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {"form": form, "page": page, "query": query.urlencode()})
