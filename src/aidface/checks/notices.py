"""The notice a school sees on its home page while a check covering it is open (Art. 10, 16).

Schools learn of a check only on the day, when it starts. The first time the notice
is shown to a school, `CheckSchool.notified_at` records it together with an audit entry.
"""
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.checks.models import Check, CheckSchool
from aidface.org import scope
from aidface.org.models import Role
from aidface.policy.calendar import SHANGHAI

NOTICE_ROLES = {Role.SCHOOL_OPERATOR, Role.PRINCIPAL}


@dataclass(frozen=True)
class OpenCheckNotice:
    check: Check

    @property
    def text(self) -> str:
        ends = self.check.ends_at.astimezone(SHANGHAI)
        return (
            f"今日抽查进行中：{self.check.get_kind_display()}（{self.check.office}发起），"
            f"将于 {ends:%H:%M} 结束。请及时组织学生使用手机或到终端机签到。"
        )


def notify_open_checks(user, *, now: datetime | None = None) -> list[OpenCheckNotice]:
    """Return the notices of the checks open now that cover the user's school, recording the first showing."""
    if not (user and user.is_authenticated and user.role in NOTICE_ROLES and user.school_id):
        return []
    now = now or timezone.now()
    rows = list(
        CheckSchool.objects.filter(
            school__in=scope.schools(user),
            check_record__starts_at__lte=now,
            check_record__ends_at__gt=now,
            check_record__cancelled_at__isnull=True,
        )
        .select_related("check_record__office")
        .order_by("check_record__ends_at")
    )
    for row in rows:
        if row.notified_at is None:
            _mark_notified(row, user=user, now=now)
    return [OpenCheckNotice(row.check_record) for row in rows]


def _mark_notified(row: CheckSchool, *, user, now: datetime) -> None:
    with transaction.atomic():
        updated = CheckSchool.objects.filter(pk=row.pk, notified_at__isnull=True).update(notified_at=now)
        if updated:
            record(user=user, action="check.notify", target=row.check_record, school=user.school)
    row.notified_at = row.notified_at or now
