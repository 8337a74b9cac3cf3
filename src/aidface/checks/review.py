"""The supervising office's two-person review of a forced pass (Art. 13).

A forced pass remains in force until the office decides otherwise. One staff member of the
school's supervising office records a proposal (confirm or fail). A second, different
staff member then decides, and that decision is final. A decision "failed" turns the
participant's status into failed and the month result follows. After `due_at` (the end
of the month's appeal window) no proposal or decision is accepted and the forced pass
remains. Every step, and every refused step, writes an audit entry.
"""
import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.checks.errors import CheckError
from aidface.checks.models import ForcedPassReview, Participant, ParticipantStatus, ReviewState
from aidface.checks.review_selectors import get_review_or_404
from aidface.org.models import Role, User
from aidface.policy.calendar import SHANGHAI

logger = logging.getLogger(__name__)

DECISIONS = frozenset({ReviewState.CONFIRMED, ReviewState.FAILED})


def may_review(user: User, review: ForcedPassReview) -> bool:
    """Return whether `user` is staff of the school's supervising office, who alone review its forced passes."""
    return bool(user.is_active and user.role == Role.OFFICE_STAFF and user.office_id == review.office_id)


def review_forced_pass(
    *, user: User, review: ForcedPassReview, decision: str, comment: str, now: datetime | None = None
) -> ForcedPassReview:
    """Record the first reviewer's proposal or the second reviewer's final decision.

    Raises Http404 outside the user's jurisdiction, PermissionDenied for anyone but the
    supervising office's staff, and CheckError for an unknown decision, a failure
    without a comment, a decided or overdue review, or a second step by the first
    reviewer.
    """
    review = get_review_or_404(user, review.pk)
    if not may_review(user, review):
        raise PermissionDenied("只有该校的同级资助部门工作人员可以复核强制通过。")
    if decision not in DECISIONS:
        raise CheckError("decision_invalid", "请选择“确认通过”或“改为未通过”")
    comment = comment.strip()
    if decision == ReviewState.FAILED and not comment:
        raise CheckError("comment_missing", "改为未通过时请填写复核意见，说明理由")
    now = now or timezone.now()

    try:
        with transaction.atomic():
            review = ForcedPassReview.objects.select_for_update().get(pk=review.pk)
            _check_open_for_review(review, user=user, now=now)
            if review.first_reviewer_id is None:
                _propose(review, user=user, decision=decision, comment=comment, now=now)
            else:
                _decide(review, user=user, decision=decision, comment=comment, now=now)
    except CheckError as error:
        with transaction.atomic():
            record(
                user=user,
                action="forced_pass_review.refuse",
                target=review,
                target_repr=_describe(review),
                outcome="failure",
                school=review.participant.school,
                detail={"code": error.code, "decision": decision},
            )
        raise

    if review.state == ReviewState.FAILED:
        from aidface.checks import results

        results.recompute_for_participant(review.participant, now=now)
    return review


def _check_open_for_review(review: ForcedPassReview, *, user: User, now: datetime) -> None:
    if review.state != ReviewState.PENDING:
        raise CheckError("review_decided", f"该强制通过已复核完毕（{review.get_state_display()}），复核决定不能更改")
    if now >= review.due_at:
        due = review.due_at.astimezone(SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
        raise CheckError("review_overdue", f"复核截止时间（{due}）已过，强制通过结果维持不变")
    if review.first_reviewer_id == user.pk:
        raise CheckError(
            "same_reviewer", "您已提交初审意见。复核须由两名不同的工作人员完成，请由另一名工作人员作出复核决定"
        )


def _propose(review: ForcedPassReview, *, user: User, decision: str, comment: str, now: datetime) -> None:
    review.first_reviewer = user
    review.first_decision = decision
    review.first_comment = comment
    review.first_at = now
    review.save(update_fields=["first_reviewer", "first_decision", "first_comment", "first_at"])
    record(
        user=user,
        action="forced_pass_review.propose",
        target=review,
        target_repr=_describe(review),
        school=review.participant.school,
        detail={"decision": decision, "participant_id": review.participant_id},
    )
    logger.info("forced-pass review=%s proposal %s by user=%s", review.pk, decision, user.pk)


def _decide(review: ForcedPassReview, *, user: User, decision: str, comment: str, now: datetime) -> None:
    review.second_reviewer = user
    review.second_decision = decision
    review.second_comment = comment
    review.second_at = now
    review.state = decision
    review.save(update_fields=["second_reviewer", "second_decision", "second_comment", "second_at", "state"])

    if decision == ReviewState.FAILED:
        participant = Participant.objects.select_for_update().get(pk=review.participant_id)
        participant.status = ParticipantStatus.FAILED
        participant.decided_at = now
        participant.save(update_fields=["status", "decided_at"])

    record(
        user=user,
        action="forced_pass_review.decide",
        target=review,
        target_repr=_describe(review),
        school=review.participant.school,
        detail={
            "decision": decision,
            "first_decision": review.first_decision,
            "first_reviewer_id": review.first_reviewer_id,
            "participant_id": review.participant_id,
        },
    )
    logger.info("forced-pass review=%s decided %s by user=%s", review.pk, decision, user.pk)


def _describe(review: ForcedPassReview) -> str:
    participant = review.participant
    return f"{participant.student.name}（{participant.check_record}）"
