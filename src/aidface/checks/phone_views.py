"""The student's phone check-in page (a mobile web page): camera, location, liveness prompts and the result.

The page opens for student accounts only. It tells the student plainly when there is
nothing to do: not enrolled, no open check, already passed, or the phone attempts are
used up.
"""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from aidface.checks import selectors
from aidface.checks.checkin import FINAL_STATUSES, GO_TO_TERMINAL_MESSAGE
from aidface.enrolment.selectors import student_gallery
from aidface.org import scope
from aidface.org.models import Role
from aidface.policy.selectors import effective_policy_for_school


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """Render the check-in page for the check open now, or a plain message when there is none."""
    if request.user.role != Role.STUDENT:
        raise PermissionDenied("手机签到页面只供学生使用。")
    student = scope.students(request.user).select_related("school").first()
    context = {"student": student, "state": "no_student", "participant": None}
    if student is None:
        return render(request, "checks/phone.html", context)

    participant = selectors.open_participation(student, now=timezone.now())
    policy = effective_policy_for_school(student.school)
    if participant is None:
        # Students without an active gallery are left out of every check: say why.
        context["state"] = "no_open_check" if student_gallery(student=student) else "not_enrolled"
    elif participant.status in FINAL_STATUSES:
        context["state"] = "decided"
    elif participant.phone_attempts >= policy.phone_attempts_per_check:
        context["state"] = "go_to_terminal"
    else:
        context["state"] = "ready"
        context["attempts_left"] = policy.phone_attempts_per_check - participant.phone_attempts
        context["phone_config"] = {
            "apiBase": reverse("api:api-root") + "checks/phone",
            "csrfToken": get_token(request),
            "participantId": participant.pk,
            "maxAccuracyM": policy.location_accuracy_limit_m,
        }
    context.update(participant=participant, go_to_terminal_message=GO_TO_TERMINAL_MESSAGE, policy=policy)
    return render(request, "checks/phone.html", context)
