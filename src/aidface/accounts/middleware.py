"""Sending users who must change their password to the password change page first."""
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

MUST_CHANGE_MESSAGE = "请先修改初始密码，再使用系统。"


class ForcePasswordChangeMiddleware:
    """Allow a user with `must_change_password` only the password change page, logout and static files.

    Pages redirect to the password change page; API calls get 403 with a Chinese message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            if not self._is_allowed(request.path):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": MUST_CHANGE_MESSAGE}, status=403)
                return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _is_allowed(path: str) -> bool:
        allowed = (reverse("password_change"), reverse("logout"), reverse("login"))
        return path in allowed or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
