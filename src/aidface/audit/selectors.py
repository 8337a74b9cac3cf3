"""Reading the audit log within a user's jurisdiction."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from aidface.audit.models import AuditEntry
from aidface.org import scope
from aidface.org.models import Role


def can_view_log(user) -> bool:
    """Office staff, principals (Art. 4, first responsible person of the school) and superusers read the log."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.role in {Role.OFFICE_STAFF, Role.PRINCIPAL}


def entries_for(user) -> QuerySet[AuditEntry]:
    """Return the entries in the user's jurisdiction, newest first.

    An entry belongs to the office or school it was recorded for. An office's log
    contains its own entries and those of the offices and schools below it. The
    province office's log also contains entries that belong to no unit, such as a
    failed login with an unknown user name. A principal's log contains the school's
    entries.

    NOTE: `record` files an entry under the actor's unit unless the caller passes an
    office or school, so a county office does not see the province's approval of a
    campus of one of its schools.
    """
    if not can_view_log(user):
        return AuditEntry.objects.none()
    if user.is_superuser and not user.office_id and not user.school_id:
        return AuditEntry.objects.all()

    if user.role == Role.OFFICE_STAFF and user.office_id:
        in_scope = Q(office__in=scope.offices(user)) | Q(school__in=scope.schools(user))
        if user.office.parent_id is None:
            in_scope |= Q(office__isnull=True, school__isnull=True)
        return AuditEntry.objects.filter(in_scope)
    if user.role == Role.PRINCIPAL and user.school_id:
        return AuditEntry.objects.filter(school=user.school_id)
    return AuditEntry.objects.none()


@dataclass(frozen=True)
class LogFilter:
    action: str = ""
    username: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None


def filter_entries(entries: QuerySet[AuditEntry], log_filter: LogFilter) -> QuerySet[AuditEntry]:
    """Narrow entries by action prefix, user name, outcome and local date range (both ends included)."""
    if log_filter.action:
        entries = entries.filter(action__startswith=log_filter.action)
    if log_filter.username:
        entries = entries.filter(username=log_filter.username)
    if log_filter.outcome:
        entries = entries.filter(outcome=log_filter.outcome)
    if log_filter.date_from:
        entries = entries.filter(created_at__gte=_local_midnight(log_filter.date_from))
    if log_filter.date_to:
        entries = entries.filter(created_at__lt=_local_midnight(log_filter.date_to) + timedelta(days=1))
    return entries.select_related("user")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
