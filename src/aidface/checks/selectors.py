"""Reading checks within the user's jurisdiction, their open participations and their progress.

A check is unannounced (Art. 10, 16): before `starts_at` only the launching office
sees it. From the start, the offices and schools whose jurisdiction contains a
covered school see it too. Students never list checks; they reach their own
participation through `open_participation`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aidface.checks.models import Check, CheckSchool, Participant, ParticipantStatus
from aidface.checks.participants import ensure_participants
from aidface.org import scope
from aidface.org.models import Role

NOT_FOUND = "抽查不存在或不在您的管辖范围内，请返回列表重新选择。"


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def visible_checks(user, *, now: datetime | None = None) -> QuerySet[Check]:
    """Return the checks the user may see at `now` (default now)."""
    now = now or timezone.now()
    if not _is_active(user) or user.role == Role.STUDENT:
        return Check.objects.none()
    if user.is_superuser and not user.office_id and not user.school_id:
        return Check.objects.all()

    started_in_scope = Q(starts_at__lte=now, cancelled_at__isnull=True) & Q(
        pk__in=CheckSchool.objects.filter(school__in=scope.schools(user)).values("check_record_id")
    )
    if user.role == Role.OFFICE_STAFF and user.office_id:
        return Check.objects.filter(Q(office=user.office_id) | started_in_scope)
    if user.role in scope.SCHOOL_ROLES and user.school_id:
        return Check.objects.filter(started_in_scope)
    return Check.objects.none()


def get_check_or_404(user, pk, *, now: datetime | None = None) -> Check:
    try:
        return visible_checks(user, now=now).select_related("office", "semester", "launched_by", "cancelled_by").get(pk=pk)
    except (Check.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def is_open(check: Check, now: datetime) -> bool:
    """Return whether check-ins are accepted at `now`: started, not ended, not cancelled."""
    return check.cancelled_at is None and check.starts_at <= now < check.ends_at


def open_checks_for_school(school_id: int, *, now: datetime) -> QuerySet[Check]:
    return Check.objects.filter(
        check_schools__school=school_id, starts_at__lte=now, ends_at__gt=now, cancelled_at__isnull=True
    ).order_by("ends_at", "pk")


def open_participation(student, *, now: datetime | None = None) -> Participant | None:
    """Return the student's participant row in a check open now, drawing participants first if needed.

    When two checks are open at once (a routine and a targeted one), the one still
    waiting for the student's pass comes first, then the one that ends sooner.
    """
    now = now or timezone.now()
    checks = list(open_checks_for_school(student.school_id, now=now))
    for check in checks:
        ensure_participants(check, now=now)
    rows = list(
        Participant.objects.filter(student=student, check_record__in=[check.pk for check in checks]).select_related(
            "check_record"
        )
    )
    if not rows:
        return None
    rows.sort(key=lambda row: (row.status not in (ParticipantStatus.PENDING, ParticipantStatus.FAILED), row.check_record.ends_at))
    return rows[0]


def check_state(check: Check, now: datetime) -> str:
    """Return "cancelled", "planned", "open" or "ended"."""
    if check.cancelled_at is not None:
        return "cancelled"
    if now < check.starts_at:
        return "planned"
    if now < check.ends_at:
        return "open"
    return "ended"


STATE_LABELS = {"cancelled": "已撤销", "planned": "未开始", "open": "进行中", "ended": "已结束"}


def _progress_counts() -> dict:
    return {
        "total": Count("pk"),
        "passed": Count("pk", filter=Q(status=ParticipantStatus.PASSED)),
        "failed": Count("pk", filter=Q(status=ParticipantStatus.FAILED)),
        "forced_pass": Count("pk", filter=Q(status=ParticipantStatus.FORCED_PASS)),
        "remaining": Count("pk", filter=Q(status=ParticipantStatus.PENDING)),
    }


@dataclass(frozen=True)
class Progress:
    """Participant counts of a check, or of one school in it.

    `checked_in` counts participants with a result (passed, failed or forced pass);
    `remaining` those with none yet.
    """

    total: int
    passed: int
    failed: int
    forced_pass: int
    remaining: int

    @property
    def checked_in(self) -> int:
        return self.passed + self.failed + self.forced_pass


@dataclass(frozen=True)
class SchoolProgress:
    school_id: int
    school_name: str
    notified_at: datetime | None
    progress: Progress


@dataclass(frozen=True)
class CheckProgress:
    state: str
    progress: Progress
    # Time until the check closes while it is open, else None.
    time_left: timedelta | None
    schools: list[SchoolProgress]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def time_left_text(self) -> str:
        if self.time_left is None:
            return ""
        minutes = max(0, int(self.time_left.total_seconds() // 60))
        hours, minutes = divmod(minutes, 60)
        return f"{hours} 小时 {minutes} 分钟" if hours else f"{minutes} 分钟"


def check_progress(check: Check, *, user=None, now: datetime | None = None) -> CheckProgress:
    """Return the check's progress in one aggregate query per level; `user` limits the schools to the user's scope."""
    now = now or timezone.now()
    ensure_participants(check, now=now)
    participants = Participant.objects.filter(check_record=check)
    check_schools = CheckSchool.objects.filter(check_record=check).select_related("school").order_by("school__code")
    if user is not None:
        allowed = scope.schools(user)
        participants = participants.filter(school__in=allowed)
        check_schools = check_schools.filter(school__in=allowed)

    totals = Progress(**participants.aggregate(**_progress_counts()))
    per_school = {
        row.pop("school_id"): Progress(**row)
        for row in participants.order_by().values("school_id").annotate(**_progress_counts()).values(
            "school_id", "total", "passed", "failed", "forced_pass", "remaining"
        )
    }
    empty = Progress(0, 0, 0, 0, 0)
    schools = [
        SchoolProgress(item.school_id, item.school.name, item.notified_at, per_school.get(item.school_id, empty))
        for item in check_schools
    ]
    state = check_state(check, now)
    time_left = check.ends_at - now if state == "open" else None
    return CheckProgress(state=state, progress=totals, time_left=time_left, schools=schools)


def progress_by_check(check_ids: list[int], *, school_ids: list[int] | None = None) -> dict[int, Progress]:
    """Return the participant counts of each listed check in one aggregate query; `school_ids` limits them to those schools.

    List pages pass only the checks of the page shown, so the query stays small however
    many participants older checks have.
    """
    participants = Participant.objects.filter(check_record_id__in=check_ids)
    if school_ids is not None:
        participants = participants.filter(school_id__in=school_ids)
    rows = participants.order_by().values("check_record_id").annotate(**_progress_counts())
    found = {row.pop("check_record_id"): Progress(**row) for row in rows}
    return {check_id: found.get(check_id, Progress(0, 0, 0, 0, 0)) for check_id in check_ids}


def school_counts(check_ids: list[int]) -> dict[int, int]:
    """Return how many schools each listed check covers."""
    rows = CheckSchool.objects.filter(check_record_id__in=check_ids).order_by().values("check_record_id").annotate(count=Count("pk"))
    found = {row["check_record_id"]: row["count"] for row in rows}
    return {check_id: found.get(check_id, 0) for check_id in check_ids}
