"""Filing and deciding monthly (Art. 14) and semester (Art. 15) appeals.

A school operator drafts an appeal with the students, a reason per student and the
formal document. The principal signs it, which files it with the supervising office.
The office then approves or rejects each student, and students still undecided at the
deadline expire with the appeal. Each step runs in one transaction with its audit entry.
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.appeals import selectors
from aidface.appeals.documents import check_document, seal_document
from aidface.appeals.errors import AppealError
from aidface.appeals.models import Appeal, AppealItem, AppealKind, AppealState, ItemDecision
from aidface.appeals.windows import AppealTarget, check_can_file, monthly_target, parse_target, semester_target
from aidface.audit.services import record
from aidface.org import scope
from aidface.org.models import Role, School, User
from aidface.policy.calendar import Term, local_day
from aidface.policy.selectors import effective_policy_for_school

logger = logging.getLogger(__name__)

DRAFTING_ROLES = frozenset({Role.SCHOOL_OPERATOR, Role.PRINCIPAL})
MAX_REASON_LENGTH = 1000


def _is_admin(user: User) -> bool:
    return bool(user.is_superuser) and not user.office_id and not user.school_id


def target_of(appeal: Appeal) -> AppealTarget:
    """Return the appeal's month or semester with the windows of the school's policy in force now."""
    policy = effective_policy_for_school(appeal.school)
    if appeal.kind == AppealKind.MONTHLY:
        return monthly_target(policy, appeal.year, appeal.month)
    return semester_target(policy, appeal.semester.year, Term(appeal.semester.term))


def _clean_reasons(reasons: dict[int, str], names: dict[int, str]) -> dict[int, str]:
    if not reasons:
        raise AppealError("no_students", "请至少选择一名学生，并填写其缺位原因")
    cleaned = {}
    for student_id, reason in reasons.items():
        text = (reason or "").strip()
        name = names.get(student_id, f"编号 {student_id} 的学生")
        if not text:
            raise AppealError("reason_missing", f"请填写{name}的缺位原因")
        if len(text) > MAX_REASON_LENGTH:
            raise AppealError("reason_too_long", f"{name}的缺位原因超过 {MAX_REASON_LENGTH} 字，请精简后再提交")
        cleaned[student_id] = text
    return cleaned


@transaction.atomic
def draft_appeal(
    *,
    user: User,
    target_key: str,
    reasons: dict[int, str],
    document: bytes,
    document_name: str,
    now: datetime | None = None,
) -> Appeal:
    """Draft the school's appeal for a month or semester; a principal's draft is signed and filed at once.

    `target_key` is "month:YYYY-MM" or "semester:YYYY-spring|autumn"; `reasons` maps
    student ids to the reason each was absent. Raises AppealError for bad input.
    """
    if user.role not in DRAFTING_ROLES or not user.school_id:
        raise PermissionDenied("只有学校管理员或校长可以提交申诉。")
    now = now or timezone.now()
    # Locking the school row serialises drafts, so one student cannot enter two appeals at once.
    school = School.objects.select_for_update().get(pk=scope.get_school_or_404(user, user.school_id).pk)
    target = parse_target(effective_policy_for_school(school), target_key)

    check_can_file(school, target, now)

    candidates = {candidate.student.pk: candidate for candidate in selectors.candidates(school, target)}
    names = {student_id: candidate.student.name for student_id, candidate in candidates.items()}
    reasons = _clean_reasons(reasons, names)
    for student_id in reasons:
        candidate = candidates.get(student_id)
        if candidate is None:
            raise AppealError(
                "not_appealable",
                f"所选学生在{target.period_label}没有可申诉的非正常考勤结果，请刷新页面后重新选择",
            )
        if candidate.already_appealed:
            raise AppealError("already_appealed", f"{candidate.student.name}已在{target.period_label}的申诉中，不能重复申诉")
    checked = check_document(document, document_name)

    appeal = Appeal.objects.create(
        kind=target.kind,
        school=school,
        office=school.supervising_office,
        semester=selectors.semester_of(target),
        year=target.year if target.kind == AppealKind.MONTHLY else None,
        month=target.month,
        state=AppealState.AWAITING_SIGNATURE,
        window_first_day=target.window.first_day,
        window_last_day=target.window.last_day,
        expires_at=target.expires_at,
        document=b"",
        document_name=checked.name,
        document_type=checked.content_type,
        document_size=len(checked.content),
        document_sha256=checked.sha256,
        created_by=user,
        created_at=now,
    )
    seal_document(appeal, checked)
    AppealItem.objects.bulk_create(
        AppealItem(appeal=appeal, student_id=student_id, reason=reason, states_at_filing=candidates[student_id].states)
        for student_id, reason in reasons.items()
    )

    record(
        user=user,
        action="appeal.draft",
        target=appeal,
        school=school,
        detail={"kind": appeal.kind, "period": target.key, "students": sorted(reasons), "document_sha256": checked.sha256},
    )
    logger.info("appeal drafted appeal=%s school=%s period=%s students=%d", appeal.pk, school.pk, target.key, len(reasons))
    if user.role == Role.PRINCIPAL:
        _sign(user=user, appeal=appeal, now=now)
    return appeal


def _sign(*, user: User, appeal: Appeal, now: datetime) -> None:
    appeal.signed_by = user
    appeal.signed_at = now
    appeal.state = AppealState.FILED
    appeal.save(update_fields=["signed_by", "signed_at", "state"])
    record(
        user=user,
        action="appeal.sign",
        target=appeal,
        school=appeal.school,
        detail={"office_id": appeal.office_id, "expires_at": appeal.expires_at.isoformat()},
    )


def _locked_appeal(user: User, appeal: Appeal) -> Appeal:
    found = selectors.get_appeal_or_404(user, appeal.pk)
    return Appeal.objects.select_for_update().select_related("school", "office", "semester").get(pk=found.pk)


@transaction.atomic
def sign_appeal(*, user: User, appeal: Appeal, now: datetime | None = None) -> Appeal:
    """Sign the draft as the school's principal, which files it with the supervising office inside the window."""
    appeal = _locked_appeal(user, appeal)
    if user.role != Role.PRINCIPAL or user.school_id != appeal.school_id:
        raise PermissionDenied("只有本校校长可以签署申诉。")
    now = now or timezone.now()
    if appeal.state != AppealState.AWAITING_SIGNATURE:
        raise AppealError("not_awaiting_signature", f"该申诉当前为“{appeal.get_state_display()}”，不需要签署")

    check_can_file(appeal.school, target_of(appeal), now)

    _sign(user=user, appeal=appeal, now=now)
    return appeal


@transaction.atomic
def withdraw_appeal(*, user: User, appeal: Appeal, now: datetime | None = None) -> Appeal:
    """Withdraw an appeal of the user's school before the office has decided any student of it."""
    appeal = _locked_appeal(user, appeal)
    if user.role not in DRAFTING_ROLES or user.school_id != appeal.school_id:
        raise PermissionDenied("只有本校学校管理员或校长可以撤回申诉。")
    now = now or timezone.now()
    state = appeal.effective_state(now)
    if state not in {AppealState.AWAITING_SIGNATURE, AppealState.FILED}:
        raise AppealError("not_open", f"该申诉当前为“{AppealState(state).label}”，不能撤回")
    if appeal.items.exclude(decision=ItemDecision.PENDING).exists():
        raise AppealError("partly_decided", "资助部门已审核该申诉中的学生，不能撤回")

    appeal.state = AppealState.WITHDRAWN
    appeal.withdrawn_by = user
    appeal.withdrawn_at = now
    appeal.save(update_fields=["state", "withdrawn_by", "withdrawn_at"])
    record(user=user, action="appeal.withdraw", target=appeal, school=appeal.school)
    return appeal


def may_decide(user: User, appeal: Appeal) -> bool:
    """Only staff of the school's supervising office decide; offices above only read (Art. 14)."""
    return _is_admin(user) or (user.role == Role.OFFICE_STAFF and user.office_id == appeal.office_id)


@transaction.atomic
def decide_items(
    *,
    user: User,
    appeal: Appeal,
    item_ids: list[int],
    approve: bool,
    comment: str = "",
    now: datetime | None = None,
) -> list[AppealItem]:
    """Approve (the months become appeal_normal) or reject with a comment the given students of a filed appeal."""
    appeal = _locked_appeal(user, appeal)
    if not may_decide(user, appeal):
        raise PermissionDenied("只有该校的同级资助部门可以审核申诉，上级资助部门只能查看。")
    now = now or timezone.now()
    state = appeal.effective_state(now)
    if state == AppealState.EXPIRED:
        raise AppealError(
            "expired",
            f"该申诉的审核期限已于{_moment_text(appeal.expires_at)}截止，未审核的学生维持原结果，不能再审核",
        )
    if state != AppealState.FILED:
        raise AppealError("not_filed", f"该申诉当前为“{AppealState(state).label}”，不能审核")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise AppealError("comment_missing", "驳回申诉时请填写审核意见，说明驳回原因")
    items = list(appeal.items.select_for_update().filter(pk__in=item_ids).select_related("student"))
    if not items or len(items) != len(set(item_ids)):
        raise AppealError("no_items", "请选择该申诉中要审核的学生")
    decided = [item for item in items if item.decision != ItemDecision.PENDING]
    if decided:
        raise AppealError("already_decided", f"{decided[0].student.name}已审核，不能重复审核")

    student_ids = sorted(item.student_id for item in items)
    changed = 0
    if approve:
        changed = _apply_approval(user=user, appeal=appeal, student_ids=student_ids, now=now)
    for item in items:
        item.decision = ItemDecision.APPROVED if approve else ItemDecision.REJECTED
        item.comment = comment
        item.decided_by = user
        item.decided_at = now
    AppealItem.objects.bulk_update(items, ["decision", "comment", "decided_by", "decided_at"])
    if not appeal.items.filter(decision=ItemDecision.PENDING).exists():
        appeal.state = AppealState.DECIDED
        appeal.save(update_fields=["state"])

    record(
        user=user,
        action="appeal.approve" if approve else "appeal.reject",
        target=appeal,
        school=appeal.school,
        detail={"students": student_ids, "month_results_changed": changed, "comment": comment[:200]},
    )
    return items


def _apply_approval(*, user: User, appeal: Appeal, student_ids: list[int], now: datetime) -> int:
    """Turn the appealed months into appeal_normal: one month, or every month of the semester's routine window."""
    from aidface.checks import results

    changed = 0
    for year, month in target_of(appeal).months:
        changed += results.apply_appeal(
            student_ids=student_ids, year=year, month=month, appeal_ref=appeal.appeal_ref, user=user, now=now
        )
    return changed


def _moment_text(moment: datetime) -> str:
    day = local_day(moment)
    return f"{day.year}年{day.month}月{day.day}日零时"


def expire_due_appeals(*, now: datetime | None = None) -> int:
    """Expire filed appeals past `expires_at` and lapse unsigned drafts past their window; idempotent.

    Undecided students keep their month results (Art. 14, Art. 15). Returns the number
    of appeals changed.
    """
    now = now or timezone.now()
    changed = 0
    due_filed = Appeal.objects.filter(state=AppealState.FILED, expires_at__lte=now).values_list("pk", flat=True)
    for pk in list(due_filed):
        changed += _expire_one(pk, now=now)
    due_drafts = Appeal.objects.filter(
        state=AppealState.AWAITING_SIGNATURE, window_last_day__lt=local_day(now)
    ).values_list("pk", flat=True)
    for pk in list(due_drafts):
        changed += _lapse_one(pk, now=now)
    return changed


@transaction.atomic
def _expire_one(pk: int, *, now: datetime) -> int:
    appeal = Appeal.objects.select_for_update().select_related("school", "office").get(pk=pk)
    if appeal.state != AppealState.FILED or now < appeal.expires_at:
        return 0
    expired = appeal.items.filter(decision=ItemDecision.PENDING).update(decision=ItemDecision.EXPIRED)
    appeal.state = AppealState.EXPIRED
    appeal.expired_at = appeal.expires_at
    appeal.save(update_fields=["state", "expired_at"])
    record(
        user=None,
        action="appeal.expire",
        target=appeal,
        school=appeal.school,
        office=appeal.office,
        detail={"expired_students": expired, "expires_at": appeal.expires_at.isoformat()},
    )
    logger.info("appeal expired appeal=%s school=%s undecided=%d", appeal.pk, appeal.school_id, expired)
    return 1


@transaction.atomic
def _lapse_one(pk: int, *, now: datetime) -> int:
    appeal = Appeal.objects.select_for_update().select_related("school", "office").get(pk=pk)
    if appeal.state != AppealState.AWAITING_SIGNATURE or now < appeal.window_ends_at:
        return 0
    appeal.state = AppealState.LAPSED
    appeal.expired_at = appeal.window_ends_at
    appeal.save(update_fields=["state", "expired_at"])
    record(
        user=None,
        action="appeal.lapse",
        target=appeal,
        school=appeal.school,
        office=appeal.office,
        detail={"window_last_day": appeal.window_last_day.isoformat()},
    )
    logger.info("appeal lapsed unsigned appeal=%s school=%s", appeal.pk, appeal.school_id)
    return 1
