"""The kiosk page for the pre-departure confirmation at a school terminal (Art. 18)."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse

from aidface.org.models import Role


@login_required
def terminal(request: HttpRequest) -> HttpResponse:
    """Render the kiosk: ID number, internship shown for checking, liveness capture and the result."""
    if request.user.role != Role.TERMINAL or not request.user.school_id:
        raise PermissionDenied("离校前确认须在学校的终端机上进行，请用终端机账号登录。")
    config = {"apiBase": reverse("api:api-root") + "internships", "csrfToken": get_token(request)}
    return render(
        request,
        "internships/terminal.html",
        {"terminal_config": config, "school": request.user.school, "campus": request.user.campus},
    )
