"""The school terminal's check-in kiosk page (Art. 13): identify, confirm on site, force-pass.

The terminal is bound to one campus, whose approved point is the check-in's location,
so the page is refused while that campus is not usable (Art. 22).
"""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse

from aidface.checks.fallback import check_terminal


@login_required
def terminal(request: HttpRequest) -> HttpResponse:
    """Render the kiosk: ID card or typed ID number, liveness prompts, result and forced pass."""
    check_terminal(request.user)
    config = {
        "readerUrl": settings.AIDFACE_CARD_READER_URL,
        "apiBase": reverse("api:api-root") + "checks/terminal",
        "csrfToken": get_token(request),
    }
    return render(
        request,
        "checks/terminal.html",
        {"terminal_config": config, "school": request.user.school, "campus": request.user.campus},
    )
