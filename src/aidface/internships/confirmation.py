"""Pre-departure confirmation at a school terminal (Art. 18).

The student enters the ID number at the terminal, follows a liveness challenge, and
the live face is compared 1:1 with the student's enrolment gallery by
`aidface.checks.checkin.verify_live_face`, the same check as a terminal check-in. A
passed confirmation is recorded on the record with the time, the terminal, the face
distance and the encrypted photo. Only a confirmed record pauses routine checks.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from random import Random

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit import services as audit_log
from aidface.checks.checkin import verify_live_face
from aidface.enrolment import storage
from aidface.enrolment.nonces import DatabaseNonceStore
from aidface.enrolment.selectors import student_gallery
from aidface.face.decode import decode_image
from aidface.face.errors import FaceError
from aidface.face.liveness import Challenge, Frame
from aidface.face.liveness import issue_challenge as issue_liveness_challenge
from aidface.face.liveness_actions import Action
from aidface.internships.errors import InternshipError
from aidface.internships.models import ConfirmationChallenge, InternshipPhoto, InternshipRecord
from aidface.org.models import Role, User
from aidface.policy.calendar import local_day
from aidface.policy.selectors import effective_policy_for_school
from aidface.roster.idnumber import InvalidIdNumber, parse_id_number

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfirmationResult:
    passed: bool
    outcome: str
    messages: tuple[str, ...]
    distance: float | None
    similarity: float | None
    confirmed_at: datetime | None


def check_terminal(user: User) -> None:
    """Raise PermissionDenied unless `user` is a school terminal, where the confirmation takes place (Art. 18)."""
    if not (user.is_active and user.role == Role.TERMINAL and user.school_id):
        raise PermissionDenied("离校前确认须在学校的终端机上进行，请用终端机账号登录。")


def record_for_confirmation(*, terminal: User, id_number: str, now: datetime | None = None) -> InternshipRecord:
    """Return the student's internship that awaits its pre-departure confirmation at this terminal's school.

    Raises InternshipError naming what is missing: an invalid ID number, a student not on
    the school's roster, no internship, or one already confirmed or already begun.
    """
    check_terminal(terminal)
    today = local_day(now or timezone.now())
    try:
        parsed = parse_id_number(id_number, today=today)
    except InvalidIdNumber as error:
        raise InternshipError("id_number_invalid", error.message) from None

    candidates = list(
        InternshipRecord.objects.filter(school=terminal.school_id, student__id_number=parsed.value)
        .select_related("student", "school")
        .order_by("start_date", "id")
    )
    if not candidates:
        raise InternshipError(
            "no_internship", f"本校没有身份证号为 {parsed.masked} 的学生的岗位实习记录，请先由学校管理员登记实习信息"
        )
    waiting = [item for item in candidates if item.confirmed_at is None and today <= item.start_date]
    if waiting:
        return waiting[0]
    upcoming = [item for item in candidates if today <= item.end_date]
    if upcoming and upcoming[0].confirmed_at is not None:
        confirmed_at = timezone.localtime(upcoming[0].confirmed_at)
        raise InternshipError("already_confirmed", f"该学生已于 {confirmed_at:%Y-%m-%d %H:%M} 完成离校前确认，无需重复确认")
    if upcoming:
        raise InternshipError(
            "too_late",
            f"该学生的实习已于 {upcoming[0].start_date:%Y-%m-%d} 开始，离校前确认须在开始日期当天或之前完成，请联系学校管理员",
        )
    raise InternshipError("no_internship", "该学生没有尚未结束的岗位实习记录，请先由学校管理员登记实习信息")


def _check_may_confirm(terminal: User, record: InternshipRecord, *, now: datetime) -> None:
    check_terminal(terminal)
    if record.school_id != terminal.school_id:
        raise PermissionDenied("该学生不属于本终端机所在学校。")
    if record.confirmed_at is not None:
        raise InternshipError("already_confirmed", "该学生已完成离校前确认，无需重复确认")
    if local_day(now) > record.start_date:
        raise InternshipError(
            "too_late", f"实习已于 {record.start_date:%Y-%m-%d} 开始，离校前确认须在开始日期当天或之前完成"
        )


def issue_confirmation_challenge(
    *, terminal: User, record: InternshipRecord, rng: Random | None = None, now: datetime | None = None
) -> Challenge:
    """Issue a liveness challenge with the actions the school's policy allows."""
    now = now or timezone.now()
    _check_may_confirm(terminal, record, now=now)
    if student_gallery(student=record.student) is None:
        raise InternshipError(
            "no_template", "没有找到该学生有效的人脸采集信息（未完成新增采集或暂时录入已过期），请先完成新增采集"
        )

    policy = effective_policy_for_school(record.school)
    challenge = issue_liveness_challenge(rng=rng, now=now, allowed_actions=policy.liveness_actions)
    ConfirmationChallenge.objects.create(
        nonce=challenge.nonce,
        record=record,
        terminal=terminal,
        actions=[str(action) for action in challenge.actions],
        issued_at=challenge.issued_at,
        expires_at=challenge.expires_at,
    )
    return challenge


def confirm_departure(
    *, terminal: User, record: InternshipRecord, nonce: str, frames: list[Frame], now: datetime | None = None
) -> ConfirmationResult:
    """Check the frames against the student's gallery and record a passed confirmation.

    The face engine runs before the transaction, so no lock is held while frames are
    analysed. A failed attempt changes nothing on the record and is audited as a failure.
    """
    now = now or timezone.now()
    _check_may_confirm(terminal, record, now=now)
    issued = ConfirmationChallenge.objects.filter(nonce=nonce, record=record, terminal=terminal).first()
    if issued is None:
        raise InternshipError("challenge_unknown", "动作验证请求无效，请重新开始确认")
    if issued.used_at is not None:
        raise InternshipError("nonce_reused", "该验证请求已使用过，请重新开始确认")
    challenge = Challenge(
        nonce=issued.nonce,
        actions=tuple(Action(name) for name in issued.actions),
        issued_at=issued.issued_at,
        expires_at=issued.expires_at,
    )

    face = verify_live_face(
        student=record.student,
        challenge=challenge,
        frames=frames,
        now=now,
        nonce_store=DatabaseNonceStore(model=ConfirmationChallenge),
    )
    messages = tuple(reason["message"] for reason in face.reasons)

    with transaction.atomic():
        locked = InternshipRecord.objects.select_for_update().get(pk=record.pk)
        if not face.passed:
            audit_log.record(
                user=terminal,
                action="internship.confirm",
                target=locked,
                school=locked.school,
                outcome="failure",
                detail={"outcome": face.outcome, "reasons": [reason["code"] for reason in face.reasons], "distance": face.distance},
            )
            logger.info("internship record id=%s confirmation failed: %s", locked.pk, face.outcome)
            return ConfirmationResult(False, face.outcome, messages, face.distance, face.similarity, None)
        if locked.confirmed_at is not None:
            raise InternshipError("already_confirmed", "该学生已完成离校前确认，无需重复确认")

        photo = _store_photo(locked, face.photo, now=now) if face.photo else None
        locked.confirmed_at = now
        locked.confirmed_terminal = terminal
        locked.confirmation_distance = face.distance
        locked.confirmation_similarity = face.similarity
        locked.confirmation_threshold = face.threshold
        locked.save(
            update_fields=[
                "confirmed_at",
                "confirmed_terminal",
                "confirmation_distance",
                "confirmation_similarity",
                "confirmation_threshold",
                "updated_at",
            ]
        )
        audit_log.record(
            user=terminal,
            action="internship.confirm",
            target=locked,
            school=locked.school,
            detail={"distance": face.distance, "similarity": face.similarity, "photo_id": photo.pk if photo else None},
        )
    logger.info("internship record id=%s confirmed at terminal user_id=%s", locked.pk, terminal.pk)
    return ConfirmationResult(True, face.outcome, ("离校前确认成功",), face.distance, face.similarity, now)


def _store_photo(record: InternshipRecord, content: bytes, *, now: datetime) -> InternshipPhoto:
    try:
        decoded = decode_image(content)
        content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}.get(decoded.format, "application/octet-stream")
    except FaceError:
        content_type = "application/octet-stream"
    photo = InternshipPhoto.objects.create(
        record=record, content=b"", key_id="", content_type=content_type, sha256=hashlib.sha256(content).hexdigest(), created_at=now
    )
    # The associated data names the row, so the row exists before its blob is sealed.
    photo.content, photo.key_id = storage.seal(content, associated_data=photo.associated_data)
    photo.save(update_fields=["content", "key_id"])
    return photo
