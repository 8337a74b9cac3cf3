"""Reads of appeals, the students a school may appeal for, and each appeal's timeline.

Appeals are fetched through `aidface.org.scope`. A school reads its own appeals and an
office reads the signed appeals of every school in its jurisdiction, though only the
supervising office decides them. An appeal outside the jurisdiction returns 404.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from aidface.appeals.models import Appeal, AppealItem, AppealKind, AppealState, ItemDecision
from aidface.appeals.windows import AppealTarget
from aidface.checks.models import NORMAL_ATTENDANCE_STATES, MonthResult, MonthState
from aidface.org import scope
from aidface.org.models import Role, School
from aidface.roster.models import Semester

NOT_FOUND = "申诉不存在或不在您的管辖范围内，请返回申诉列表重新选择。"


def appeals(user) -> QuerySet[Appeal]:
    """Return the appeals in the user's scope; offices see an appeal only once the principal has signed it."""
    found = Appeal.objects.filter(school__in=scope.schools(user))
    if getattr(user, "role", None) == Role.OFFICE_STAFF:
        found = found.filter(signed_at__isnull=False)
    return (
        found
        .select_related("school", "office", "semester", "created_by", "signed_by")
        .annotate(
            item_count=Count("items"),
            pending_count=Count("items", filter=Q(items__decision=ItemDecision.PENDING)),
            approved_count=Count("items", filter=Q(items__decision=ItemDecision.APPROVED)),
        )
    )


def get_appeal_or_404(user, pk) -> Appeal:
    try:
        return appeals(user).get(pk=pk)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def get_item_or_404(appeal: Appeal, pk) -> AppealItem:
    try:
        return appeal.items.select_related("student").get(pk=pk)
    except (AppealItem.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def semester_of(target: AppealTarget) -> Semester | None:
    year, term = target.semester_year_term
    return Semester.objects.filter(year=year, term=term.value).first()


def _already_appealed(school: School, target: AppealTarget) -> set[int]:
    """Return the students in an appeal of the same month or semester that was not withdrawn."""
    items = AppealItem.objects.filter(appeal__school=school, appeal__kind=target.kind).exclude(
        appeal__state=AppealState.WITHDRAWN
    )
    if target.kind == AppealKind.MONTHLY:
        items = items.filter(appeal__year=target.year, appeal__month=target.month)
    else:
        semester = semester_of(target)
        items = items.filter(appeal__semester=semester) if semester else items.none()
    return set(items.values_list("student_id", flat=True))


@dataclass(frozen=True)
class Candidate:
    """A student the school may include in an appeal, with the month results the appeal is about."""

    student: object
    # (year, month, state) of every month result considered, in month order.
    results: tuple[tuple[int, int, str], ...]
    already_appealed: bool

    @property
    def states(self) -> dict[str, str]:
        return {f"{year}-{month:02d}": state for year, month, state in self.results}

    @property
    def result_labels(self) -> list[str]:
        labels = dict(MonthState.choices)
        return [f"{month}月：{labels.get(state, state)}" for _, month, state in self.results]


def candidates(school: School, target: AppealTarget) -> list[Candidate]:
    """Return the students of the school whose results the target allows an appeal against.

    Monthly (Art. 14): the month's result is not normal attendance. Semester (Art. 15):
    the student has month results in the semester and none of them is normal attendance.
    """
    appealed = _already_appealed(school, target)
    if target.kind == AppealKind.MONTHLY:
        rows = (
            MonthResult.objects.filter(school=school, year=target.year, month=target.month)
            .exclude(state__in=NORMAL_ATTENDANCE_STATES)
            .select_related("student")
            .order_by("student__class_name", "student__name", "student_id")
        )
        return [
            Candidate(row.student, ((row.year, row.month, row.state),), row.student_id in appealed) for row in rows
        ]

    semester = semester_of(target)
    if semester is None:
        return []
    rows = MonthResult.objects.filter(school=school, semester=semester).select_related("student")
    by_student: dict[int, list[MonthResult]] = {}
    for row in rows:
        by_student.setdefault(row.student_id, []).append(row)
    found = []
    for student_rows in by_student.values():
        if any(row.state in NORMAL_ATTENDANCE_STATES for row in student_rows):
            continue
        student_rows.sort(key=lambda row: (row.year, row.month))
        student = student_rows[0].student
        results = tuple((row.year, row.month, row.state) for row in student_rows)
        found.append(Candidate(student, results, student.pk in appealed))
    found.sort(key=lambda candidate: (candidate.student.class_name, candidate.student.name, candidate.student.pk))
    return found


@dataclass(frozen=True)
class TimelineStep:
    at: datetime
    label: str
    actor: str = ""
    detail: str = ""


def _actor(user) -> str:
    if user is None:
        return ""
    return user.display_name or user.get_username()


def timeline(appeal: Appeal) -> list[TimelineStep]:
    """Return every step of the appeal in time order, as both the school and the office see it."""
    steps = [
        TimelineStep(appeal.created_at, "学校起草申诉", _actor(appeal.created_by), f"{appeal.items.count()} 名学生"),
    ]
    if appeal.signed_at:
        steps.append(
            TimelineStep(appeal.signed_at, f"校长签署并提交至{appeal.office.name}", _actor(appeal.signed_by))
        )
    if appeal.withdrawn_at:
        steps.append(TimelineStep(appeal.withdrawn_at, "学校撤回申诉", _actor(appeal.withdrawn_by)))
    for item in appeal.items.filter(decided_at__isnull=False).select_related("student", "decided_by"):
        label = "通过" if item.decision == ItemDecision.APPROVED else "驳回"
        detail = item.comment
        steps.append(TimelineStep(item.decided_at, f"{label}：{item.student.name}", _actor(item.decided_by), detail))
    if appeal.expired_at and appeal.signed_at:
        expired = appeal.items.filter(decision=ItemDecision.EXPIRED).count()
        steps.append(
            TimelineStep(appeal.expired_at, "审核期限已过", detail=f"{expired} 名学生未审核，维持原结果")
        )
    elif appeal.expired_at:
        steps.append(TimelineStep(appeal.expired_at, "申诉期已过，校长未签署，申诉未提交"))
    steps.sort(key=lambda step: step.at)
    return steps


def pending_forced_pass_reviews(user, *, now: datetime) -> QuerySet:
    """Return the forced passes that wait for the user's office's two-person review and are not yet due (Art. 13)."""
    from aidface.checks.models import ReviewState
    from aidface.checks.review_selectors import forced_pass_reviews

    if not getattr(user, "office_id", None):
        return forced_pass_reviews(user).none()
    pending = forced_pass_reviews(user).filter(office=user.office_id, state=ReviewState.PENDING, due_at__gt=now)
    return pending.order_by("due_at", "id")
