"""Audit entries for logins, failed logins, lock-outs and logouts."""
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from aidface.audit.models import Outcome
from aidface.audit.services import record

USERNAME_LIMIT = 150


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender, request, user, **kwargs) -> None:
    with transaction.atomic():
        record(user=user, action="auth.login", target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    with transaction.atomic():
        record(user=user, action="auth.logout", target=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failure(sender, credentials, request=None, **kwargs) -> None:
    # Django masks the password in `credentials`; only the user name is kept.
    username = str(credentials.get("username", ""))[:USERNAME_LIMIT]
    _record_for_account(action="auth.login", username=username, outcome=Outcome.FAILURE)


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def record_lockout(sender, request, username, ip_address, **kwargs) -> None:
    _record_for_account(action="auth.lockout", username=str(username or "")[:USERNAME_LIMIT], outcome=Outcome.DENIED)


def _record_for_account(*, action: str, username: str, outcome: str) -> None:
    """Record an event about an account that is not logged in, in that account's jurisdiction when it exists."""
    account = get_user_model().objects.filter(username=username).select_related("office", "school").first()
    with transaction.atomic():
        record(
            user=None,
            action=action,
            target=account,
            target_repr=username,
            outcome=outcome,
            detail={"username": username},
            office=getattr(account, "office", None),
            school=getattr(account, "school", None),
        )
