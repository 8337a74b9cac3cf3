"""When verification fails (Art. 7): provisional registration, evidence appeals, and resets by the office.

- Provisional: the last live capture becomes a provisional gallery valid until the end
  of the semester, and the student takes part in that semester's routine checks.
- Evidence appeal: the terminal photographs the student holding the ID card, the school
  files an appeal with a reason to its supervising office, which approves (the student
  becomes enrolled with that capture) or rejects with a comment.
- Reset: the supervising office voids a finished enrolment with a reason, so that the
  student may enrol once more (Art. 6 allows one enrolment per student otherwise).
"""
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.enrolment import galleries, storage
from aidface.enrolment.models import (
    FINISHED_STATES,
    AppealState,
    Enrolment,
    EnrolmentAttempt,
    EnrolmentPhoto,
    EnrolmentReset,
    EnrolmentState,
    EvidenceAppeal,
    PhotoKind,
    TemplateKind,
)
from aidface.enrolment.services import EnrolmentError, _store_photo, check_capture_role, complete
from aidface.face.decode import decode_image
from aidface.face.descriptor import DEFAULT_MODEL, DescriptorModel
from aidface.face.errors import FaceError
from aidface.org.models import Role, User
from aidface.policy.selectors import effective_policy_for_school

# States after a failed verification, from which Art. 7's fallbacks start.
FAILED_STATES = frozenset({EnrolmentState.VERIFICATION_FAILED, EnrolmentState.REFERENCE_UNUSABLE})
APPEAL_FILING_ROLES = frozenset({Role.SCHOOL_OPERATOR, Role.PRINCIPAL})
PROVISIONAL_ROLES = frozenset({Role.TERMINAL, Role.SCHOOL_OPERATOR})


def _scoped(user: User, enrolment: Enrolment) -> Enrolment:
    from aidface.enrolment.selectors import get_enrolment_or_404

    found = get_enrolment_or_404(user, enrolment.pk)
    return Enrolment.objects.select_for_update().get(pk=found.pk)


def _last_capture(enrolment: Enrolment) -> EnrolmentAttempt:
    """Return the latest attempt with a live capture that passed liveness, or raise EnrolmentError."""
    attempt = (
        enrolment.attempts.filter(descriptors__isnull=False, live_photo__isnull=False).order_by("-number").first()
    )
    if attempt is None:
        raise EnrolmentError("no_live_capture", "还没有通过活体检测的现场采集，请先在终端机完成一次采集")
    return attempt


def _live_descriptors(attempt: EnrolmentAttempt, model: DescriptorModel = DEFAULT_MODEL):
    return storage.open_descriptors(
        attempt.descriptors, associated_data=attempt.descriptors_associated_data, dimension=model.dimension
    )


@transaction.atomic
def register_provisional(*, user: User, enrolment: Enrolment, now: datetime | None = None) -> Enrolment:
    """Register the student provisionally with the last live capture, valid until the semester ends."""
    if user.role not in PROVISIONAL_ROLES:
        raise PermissionDenied("只有学校管理员或终端机可以登记暂时录入。")
    enrolment = _scoped(user, enrolment)
    if enrolment.state not in FAILED_STATES:
        raise EnrolmentError(
            "not_failed", f"只有比对未通过的学生可以登记暂时录入，该学生当前为“{enrolment.get_state_display()}”"
        )
    attempt = _last_capture(enrolment)
    now = now or timezone.now()

    complete(enrolment, now=now)
    calendar = enrolment.semester.calendar(effective_policy_for_school(enrolment.school))
    enrolment.provisional_until = calendar.ends_at
    enrolment.save()
    gallery = galleries.build_gallery(
        chip=None, live=_live_descriptors(attempt), model_id=attempt.model_id, model_version=attempt.model_version
    )
    galleries.store_template(
        enrolment=enrolment, kind=TemplateKind.PROVISIONAL, gallery=gallery, valid_until=calendar.ends_at
    )
    galleries.finish_with_gallery(enrolment, state=EnrolmentState.PROVISIONAL)

    record(
        user=user,
        action="enrolment.provisional",
        target=enrolment,
        target_repr=str(enrolment),
        school=enrolment.school,
        detail={"attempt": attempt.number, "valid_until": calendar.ends_at.isoformat(), "late": enrolment.late},
    )
    return enrolment


@transaction.atomic
def capture_evidence(*, user: User, enrolment: Enrolment, photo: bytes, now: datetime | None = None) -> EnrolmentPhoto:
    """Store the photo of the student holding the ID card, taken at the terminal."""
    check_capture_role(user)
    enrolment = _scoped(user, enrolment)
    if enrolment.state not in FAILED_STATES | {EnrolmentState.PROVISIONAL}:
        raise EnrolmentError("not_failed", "只有比对未通过或暂时录入的学生需要拍摄手持身份证照片")
    try:
        decode_image(photo)
    except FaceError as error:
        raise EnrolmentError("evidence_unreadable", f"佐证照片无法读取：{error.message}") from None

    stored = _store_photo(enrolment, kind=PhotoKind.EVIDENCE, content=photo, user=user, now=now or timezone.now())
    record(
        user=user,
        action="enrolment.evidence",
        target=enrolment,
        target_repr=str(enrolment),
        school=enrolment.school,
        detail={"photo_id": stored.pk},
    )
    return stored


@transaction.atomic
def file_appeal(*, user: User, enrolment: Enrolment, reason: str, now: datetime | None = None) -> EvidenceAppeal:
    """File the school's evidence appeal with the latest evidence photo and live capture."""
    if user.role not in APPEAL_FILING_ROLES:
        raise PermissionDenied("只有学校管理员或校长可以提交佐证申诉。")
    enrolment = _scoped(user, enrolment)
    reason = reason.strip()
    if not reason:
        raise EnrolmentError("reason_missing", "请填写申诉理由，例如身份证照片年代久远或证件损坏")
    if enrolment.state not in FAILED_STATES | {EnrolmentState.PROVISIONAL}:
        raise EnrolmentError(
            "not_failed", f"只有比对未通过或暂时录入的学生可以提交佐证申诉，该学生当前为“{enrolment.get_state_display()}”"
        )
    evidence = enrolment.photos.filter(kind=PhotoKind.EVIDENCE).order_by("-created_at", "-id").first()
    if evidence is None:
        raise EnrolmentError("evidence_missing", "请先在终端机为学生拍摄手持身份证的佐证照片")
    attempt = _last_capture(enrolment)

    appeal = EvidenceAppeal.objects.create(
        enrolment=enrolment,
        school=enrolment.school,
        office=enrolment.school.supervising_office,
        evidence_photo=evidence,
        attempt=attempt,
        previous_state=enrolment.state,
        reason=reason,
        filed_by=user,
        filed_at=now or timezone.now(),
    )
    enrolment.state = EnrolmentState.APPEAL_PENDING
    enrolment.save(update_fields=["state"])
    record(
        user=user,
        action="enrolment.appeal_file",
        target=appeal,
        target_repr=str(enrolment),
        school=enrolment.school,
        detail={"enrolment_id": enrolment.pk},
    )
    return appeal


def check_may_decide(user: User, appeal: EvidenceAppeal) -> None:
    """Only the staff of the school's supervising office decide its appeals."""
    if user.is_superuser and not user.office_id and not user.school_id:
        return
    if user.role != Role.OFFICE_STAFF or user.office_id != appeal.office_id:
        raise PermissionDenied("只有该校的同级资助部门可以审核佐证申诉。")


@transaction.atomic
def decide_appeal(
    *, user: User, appeal: EvidenceAppeal, approve: bool, comment: str = "", now: datetime | None = None
) -> EvidenceAppeal:
    """Approve (the student becomes enrolled with the appealed capture) or reject with a comment."""
    from aidface.enrolment.selectors import get_appeal_or_404

    appeal = get_appeal_or_404(user, appeal.pk)
    check_may_decide(user, appeal)
    appeal = EvidenceAppeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.state != AppealState.PENDING:
        raise EnrolmentError("appeal_decided", "该申诉已审核，不能重复审核")
    comment = comment.strip()
    if not approve and not comment:
        raise EnrolmentError("comment_missing", "驳回申诉时请填写审核意见，说明驳回原因")
    now = now or timezone.now()
    enrolment = Enrolment.objects.select_for_update().get(pk=appeal.enrolment_id)

    if approve:
        attempt = appeal.attempt
        # A provisional student completed enrolment when registered; approval keeps that date
        # and its late mark, because the student took part in checks since then.
        if enrolment.completed_at is None:
            complete(enrolment, now=now)
        enrolment.provisional_until = None
        enrolment.save()
        # The chip photo did not match this person, so only the live capture is the reference.
        gallery = galleries.build_gallery(
            chip=None, live=_live_descriptors(attempt), model_id=attempt.model_id, model_version=attempt.model_version
        )
        galleries.store_template(enrolment=enrolment, kind=TemplateKind.ENROLLED, gallery=gallery)
        galleries.finish_with_gallery(enrolment, state=EnrolmentState.ENROLLED)
    else:
        enrolment.state = appeal.previous_state
        enrolment.save(update_fields=["state"])

    appeal.state = AppealState.APPROVED if approve else AppealState.REJECTED
    appeal.decided_by = user
    appeal.decided_at = now
    appeal.comment = comment
    appeal.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    record(
        user=user,
        action="enrolment.appeal_approve" if approve else "enrolment.appeal_reject",
        target=appeal,
        target_repr=str(enrolment),
        school=enrolment.school,
        detail={"enrolment_id": enrolment.pk, "state": enrolment.state},
    )
    return appeal


@transaction.atomic
def reset_enrolment(*, user: User, enrolment: Enrolment, reason: str, now: datetime | None = None) -> EnrolmentReset:
    """Void a finished enrolment so the student may enrol again; only the supervising office may."""
    from aidface.enrolment.selectors import get_enrolment_or_404

    enrolment = get_enrolment_or_404(user, enrolment.pk)
    is_admin = user.is_superuser and not user.office_id and not user.school_id
    if not is_admin and (user.role != Role.OFFICE_STAFF or user.office_id != enrolment.school.supervising_office_id):
        raise PermissionDenied("只有该校的同级资助部门可以重置新增采集。")
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    reason = reason.strip()
    if not reason:
        raise EnrolmentError("reason_missing", "请填写重置理由")
    if enrolment.state not in FINISHED_STATES:
        raise EnrolmentError("not_finished", "该学生尚未完成新增采集，无需重置，可直接在终端机继续采集")
    if enrolment.appeals.filter(state=AppealState.PENDING).exists():
        raise EnrolmentError("appeal_pending", "该学生有待审核的佐证申诉，请先审核申诉")

    reset = EnrolmentReset.objects.create(
        enrolment=enrolment,
        office=enrolment.school.supervising_office,
        reset_by=user,
        reason=reason,
        previous_state=enrolment.state,
        created_at=now or timezone.now(),
    )
    galleries.deactivate_templates(enrolment)
    enrolment.state = EnrolmentState.RESET
    enrolment.save(update_fields=["state"])
    record(
        user=user,
        action="enrolment.reset",
        target=enrolment,
        target_repr=str(enrolment),
        school=enrolment.school,
        detail={"previous_state": reset.previous_state, "reason": reason[:200]},
    )
    return reset
