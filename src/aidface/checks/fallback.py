"""The terminal's last resort (Art. 13): a forced pass with an evidence photo.

A student whose check-in failed on the phone confirms on site at the school terminal.
When recognition fails there as well, the terminal photographs the student
automatically and force-passes the check. The photo is kept encrypted for the
supervising office, whose two-person review (`aidface.checks.review`) confirms the
forced pass or turns it into a failure before the month's appeal window closes.
"""
import hashlib
import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from aidface.audit.services import record
from aidface.checks.errors import CheckError
from aidface.checks.locking import MonthLockedError, check_results_not_final
from aidface.checks.models import (
    Channel,
    CheckIn,
    CheckInOutcome,
    CheckInPhoto,
    CheckInPhotoKind,
    ForcedPassReview,
    Participant,
    ParticipantStatus,
)
from aidface.checks.selectors import is_open
from aidface.enrolment import storage
from aidface.enrolment.selectors import student_gallery
from aidface.face.decode import decode_image
from aidface.face.errors import FaceError
from aidface.face.phash import perceptual_hash
from aidface.face.verify import Verification, describe, verify
from aidface.org import scope
from aidface.org.models import Role, User
from aidface.policy.calendar import month_calendar
from aidface.policy.selectors import effective_policy_for_school

logger = logging.getLogger(__name__)

# Terminal attempts after which a forced pass may follow: recognition failed on the
# face or on liveness. An attempt without a usable gallery is not a recognition failure.
FAILED_RECOGNITION_OUTCOMES = frozenset({CheckInOutcome.FACE_MISMATCH, CheckInOutcome.LIVENESS_FAILED})
# A 640×480 JPEG camera frame is roughly 30–100 KB, so 2 MB leaves ample room for any camera.
MAX_EVIDENCE_BYTES = 2 * 1024 * 1024
EVIDENCE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
FORCED_PASS_MESSAGE = "终端机识别未通过，已自动拍照留存并强制通过，待同级资助部门复核"


def check_terminal(user: User) -> None:
    """Raise PermissionDenied unless `user` is an active terminal bound to a usable campus of its school."""
    if not (user.is_active and user.role == Role.TERMINAL and user.school_id and user.campus_id):
        raise PermissionDenied("只有学校的终端机可以进行现场签到和强制通过。")
    campus = user.campus
    if campus.school_id != user.school_id or not campus.is_usable:
        raise PermissionDenied("本终端机绑定的校区尚未经省级资助部门审核通过，不能用于签到，请联系学校管理员。")


def failed_terminal_attempts(participant: Participant) -> int:
    """Return how many terminal attempts of the participant failed on the face or on liveness."""
    return CheckIn.objects.filter(
        participant=participant, channel=Channel.TERMINAL, outcome__in=FAILED_RECOGNITION_OUTCOMES
    ).count()


def attempts_required(participant: Participant) -> int:
    """Return the failed terminal attempts the school's policy requires before a forced pass (at least one)."""
    policy = effective_policy_for_school(participant.school)
    return max(1, policy.terminal_attempts_before_forced_pass)


def forced_pass_allowed(participant: Participant) -> bool:
    """Return whether the terminal may force-pass the participant now, apart from the check's open period."""
    if participant.status in {ParticipantStatus.PASSED, ParticipantStatus.FORCED_PASS}:
        return False
    return failed_terminal_attempts(participant) >= attempts_required(participant)


def force_pass(*, terminal: User, participant: Participant, evidence_photo: bytes, now: datetime | None = None) -> CheckIn:
    """Force-pass a participant whose terminal attempts failed, keeping the evidence photo (Art. 13).

    Raises PermissionDenied for anyone but a terminal on an approved campus and Http404
    for a participant of another school. Raises MonthLockedError when the month's results
    are final, and CheckError when the check is not open, the participant already
    passed, too few terminal attempts failed or the photo cannot be decoded.
    """
    from aidface.checks import results

    check_terminal(terminal)
    now = now or timezone.now()
    participant = _scoped_participant(terminal, participant.pk)
    try:
        check_in = _force_pass(terminal, participant, evidence_photo, now=now)
    except (CheckError, MonthLockedError) as error:
        # Refused forced passes are recorded too: a run of them at one terminal is worth a look.
        with transaction.atomic():
            record(
                user=terminal,
                action="check_in.forced_pass",
                target=participant,
                target_repr=_describe(participant),
                outcome="failure",
                school=participant.school,
                detail={"code": error.code, "check_id": participant.check_record_id},
            )
        raise

    # After the commit, as after every check-in attempt: the month result follows the participant.
    results.recompute_for_participant(check_in.participant, now=now)
    return check_in


def _force_pass(terminal: User, participant: Participant, evidence_photo: bytes, *, now: datetime) -> CheckIn:
    _check_may_force(participant, now=now)
    content_type, photo_hash = _read_evidence(evidence_photo)
    # The face engine runs before the transaction, so no row lock is held meanwhile.
    comparison, photo_reason = _compare_evidence(participant, evidence_photo)

    with transaction.atomic():
        participant = _scoped_participant(terminal, participant.pk, lock=True)
        check = participant.check_record
        # Checked again under the row lock: another request may have finished meanwhile.
        _check_may_force(participant, now=now)

        photo = _store_evidence(participant, evidence_photo, content_type=content_type, photo_hash=photo_hash, now=now)
        terminal_numbers = CheckIn.objects.filter(participant=participant, channel=Channel.TERMINAL)
        number = (terminal_numbers.aggregate(Max("number"))["number__max"] or 0) + 1
        check_in = CheckIn.objects.create(
            participant=participant,
            check_record=check,
            student=participant.student,
            school=participant.school,
            channel=Channel.TERMINAL,
            number=number,
            outcome=CheckInOutcome.FORCED_PASS,
            reasons=[{"code": "forced_pass", "message": FORCED_PASS_MESSAGE}, *([photo_reason] if photo_reason else [])],
            photo=photo,
            face_distance=comparison.distance if comparison else None,
            similarity=comparison.similarity if comparison else None,
            threshold=comparison.threshold if comparison else None,
            model_id=comparison.model_id if comparison else "",
            model_version=comparison.model_version if comparison else "",
            campus=terminal.campus,
            terminal=terminal,
            created_at=now,
        )
        participant.status = ParticipantStatus.FORCED_PASS
        participant.decided_at = now
        participant.save(update_fields=["status", "decided_at"])

        policy = effective_policy_for_school(participant.school)
        review = ForcedPassReview.objects.create(
            check_in=check_in,
            participant=participant,
            office=participant.school.supervising_office,
            due_at=month_calendar(policy, check.year, check.month).appeal_window.ends_at,
            created_at=now,
        )
        record(
            user=terminal,
            action="check_in.forced_pass",
            target=check_in,
            target_repr=_describe(participant),
            school=participant.school,
            detail={
                "check_id": check.pk,
                "participant_id": participant.pk,
                "student_id": participant.student_id,
                "photo_id": photo.pk,
                "review_id": review.pk,
                "failed_terminal_attempts": failed_terminal_attempts(participant),
                "evidence_distance": None if comparison is None else round(comparison.distance, 4),
                "evidence_reason": photo_reason["code"] if photo_reason else "",
            },
        )

    logger.info("forced pass check_in=%s participant=%s check=%s review=%s", check_in.pk, participant.pk, check.pk, review.pk)
    return check_in


def _describe(participant: Participant) -> str:
    return f"{participant.student.name}（{participant.check_record}）"


def _scoped_participant(terminal: User, pk: int, *, lock: bool = False) -> Participant:
    """Fetch the participant within the terminal's school, so another school's is a 404."""
    found = Participant.objects.filter(school__in=scope.schools(terminal), pk=pk).select_related(
        "check_record", "student", "school__supervising_office"
    )
    if lock:
        found = found.select_for_update(of=("self",))
    participant = found.first()
    if participant is None:
        raise Http404("该学生不在本校本次抽查名单中。")
    return participant


def _check_may_force(participant: Participant, *, now: datetime) -> None:
    check = participant.check_record
    if not is_open(check, now):
        raise CheckError("check_closed", "本次抽查不在开放时间内（未开始、已结束或已撤销），不能强制通过")
    # A check open across its month's lock keeps taking check-ins until it ends.
    check_results_not_final(school=participant.school, year=check.year, month=check.month, at=now)
    if participant.status == ParticipantStatus.PASSED:
        raise CheckError("already_passed", "该学生本次抽查已签到通过，无需强制通过")
    if participant.status == ParticipantStatus.FORCED_PASS:
        raise CheckError("already_forced", "该学生本次抽查已强制通过，不能重复操作")
    failed = failed_terminal_attempts(participant)
    required = attempts_required(participant)
    if failed < required:
        raise CheckError(
            "terminal_attempt_missing",
            f"须先在终端机进行现场识别（已未通过 {failed} 次，需 {required} 次），仍未通过的才能强制通过",
        )


def _read_evidence(photo: bytes) -> tuple[str, str]:
    """Return the photo's content type and its perceptual hash as 16 hex digits, or raise CheckError."""
    unreadable = CheckError("evidence_unreadable", "留证照片无法读取，请让学生正对摄像头后重新拍照")
    if not photo or len(photo) > MAX_EVIDENCE_BYTES:
        raise unreadable
    try:
        image = decode_image(photo)
    except FaceError:
        raise unreadable from None
    if image.format not in EVIDENCE_FORMATS:
        raise unreadable
    return EVIDENCE_FORMATS[image.format], f"{perceptual_hash(image.rgb):016x}"


def _compare_evidence(participant: Participant, content: bytes) -> tuple[Verification | None, dict | None]:
    """Compare the evidence photo with the student's gallery, for the reviewers.

    Returns the comparison (None when it could not be made) and, when the photo shows no
    single face, a reason for the reviewers. Such a photo does not stop the forced pass,
    because Art. 13 makes it automatic; the reviewers judge it.
    """
    try:
        probe = describe(content, check_quality=False)
    except FaceError as error:
        logger.info("evidence photo of participant=%s shows no single face: %s", participant.pk, error.code)
        return None, {"code": f"evidence_{error.code}", "message": f"留证照片：{error.message}"}
    gallery = student_gallery(student=participant.student)
    if gallery is None:
        return None, None
    try:
        return verify(gallery.face_gallery, probe, purpose="check_in"), None
    except (FaceError, ValueError) as error:
        logger.warning("evidence photo of participant=%s not compared: %s", participant.pk, error)
        return None, None


def _store_evidence(
    participant: Participant, content: bytes, *, content_type: str, photo_hash: str, now: datetime
) -> CheckInPhoto:
    # The row comes first because the associated data names its primary key, so a blob
    # copied to another row fails to decrypt.
    photo = CheckInPhoto.objects.create(
        participant=participant,
        kind=CheckInPhotoKind.EVIDENCE,
        content=b"",
        key_id="",
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        perceptual_hash=photo_hash,
        created_at=now,
    )
    photo.content, photo.key_id = storage.seal(content, associated_data=photo.associated_data)
    photo.save(update_fields=["content", "key_id"])
    return photo

