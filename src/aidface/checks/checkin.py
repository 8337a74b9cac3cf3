"""Check-in of a check's participant on the phone or at the school terminal (Art. 13, 21–22).

A check-in passes when the action liveness passes, the live face matches the student's
active gallery and the student is within the geofence of an approved campus. On the
phone the location is the phone's fix, and at the terminal it is the terminal's bound
campus. Every attempt is stored as a CheckIn with one encrypted live frame, its scores and reasons.

The face engine runs before the write transaction, as in enrolment, so no row lock is
held while frames are analysed. The transaction then re-checks the participant under a
row lock, stores the attempt, updates the participant and writes the audit entry.
"""
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from random import Random

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface import geo
from aidface.audit.services import record
from aidface.checks.errors import CheckError
from aidface.checks.locking import MonthLockedError, check_month_unlocked
from aidface.checks.models import (
    Channel,
    CheckIn,
    CheckInChallenge,
    CheckInOutcome,
    CheckInPhoto,
    CheckInPhotoKind,
    Participant,
    ParticipantStatus,
)
from aidface.enrolment import storage
from aidface.enrolment.nonces import DatabaseNonceStore
from aidface.enrolment.selectors import student_gallery
from aidface.face import thresholds
from aidface.face.decode import decode_image
from aidface.face.errors import FaceError
from aidface.face.liveness import Challenge, Frame, NonceStore, check_liveness
from aidface.face.liveness import issue_challenge as issue_liveness_challenge
from aidface.face.liveness_actions import Action
from aidface.face.phash import perceptual_hash
from aidface.face.verify import gallery_distance, similarity
from aidface.org.models import Campus, Role, User
from aidface.policy.calendar import SHANGHAI
from aidface.policy.selectors import effective_policy_for_school
from aidface.policy.values import Policy
from aidface.roster.models import Student

logger = logging.getLogger(__name__)

GO_TO_TERMINAL_MESSAGE = "请到学校终端机进行现场确认"
# Liveness reasons that reject the request itself rather than the student's attempt.
# Such a request is refused, stored nowhere and not counted.
CHALLENGE_REJECTIONS = {
    "nonce_reused": "该验证请求已使用过，请重新开始",
    "challenge_expired": "动作验证已超时，请重新开始",
}
FINAL_STATUSES = frozenset({ParticipantStatus.PASSED, ParticipantStatus.FORCED_PASS})


class CheckInError(CheckError):
    """A check-in request that is refused before any attempt is stored.

    `next_step` names what the student can do instead ("go_to_terminal", "done"), or is "".
    """

    def __init__(self, code: str, message: str, *, next_step: str = "") -> None:
        super().__init__(code, message)
        self.next_step = next_step


@dataclass(frozen=True)
class FaceCheck:
    """The liveness and 1:1 result of one set of frames, before anything is stored.

    `outcome` is a CheckInOutcome value (passed, liveness_failed, face_mismatch or
    no_template). `distance` is the median over the liveness frames of each frame's
    distance to the gallery's check-in reference. `photo` is the frame kept as evidence.
    """

    outcome: str
    reasons: tuple[dict, ...]
    frame_count: int
    photo: bytes | None = None
    distance: float | None = None
    similarity: float | None = None
    threshold: float | None = None
    model_id: str = ""
    model_version: str = ""
    frame_hashes: tuple[int, ...] = ()

    @property
    def passed(self) -> bool:
        return self.outcome == CheckInOutcome.PASSED

    @property
    def challenge_rejected(self) -> bool:
        """True when the nonce was used before or the challenge expired, so no attempt took place."""
        return any(reason["code"] in CHALLENGE_REJECTIONS for reason in self.reasons)


@dataclass(frozen=True)
class CheckInResult:
    """The outcome of one check-in attempt, as the phone page and the terminal show it.

    `counted` is True when the attempt used one of the phone attempts (a location retry
    does not). `attempts_left` is set for phone attempts only. `distance_m` is the
    distance to the nearest approved campus. `next_step` is "done", "retry",
    "go_to_terminal" or "forced_pass".
    """

    outcome: str
    passed: bool
    counted: bool
    messages: tuple[str, ...]
    participant_status: str
    attempts_left: int | None
    distance_m: float | None
    similarity: float | None
    check_in_id: int
    next_step: str
    reason_codes: tuple[str, ...] = field(default=())


# Challenges -------------------------------------------------------------------------


def issue_check_in_challenge(
    *, user: User, participant: Participant, channel: str, rng: Random | None = None, now: datetime | None = None
) -> Challenge:
    """Issue a liveness challenge for the participant's next check-in on `channel`.

    `user` is the student on the phone channel and the terminal on the terminal channel.
    Raises PermissionDenied for anybody else and CheckInError when no check-in is possible
    now (check not open, month locked, already passed, phone attempts used up, no gallery).
    """
    now = now or timezone.now()
    participant = _participant_for(user, participant, channel)
    policy = effective_policy_for_school(participant.school)
    _refuse_unless_open(participant, now=now, policy=policy)
    _refuse_unless_attempt_allowed(participant, channel=channel, policy=policy)
    if channel == Channel.TERMINAL:
        _terminal_campus(user)
    if student_gallery(student=participant.student) is None:
        raise CheckInError(
            "no_template", "没有找到有效的人脸采集信息（未完成新增采集或暂时录入已过期），请联系学校管理员"
        )

    challenge = issue_liveness_challenge(rng=rng, now=now, allowed_actions=policy.liveness_actions)
    CheckInChallenge.objects.create(
        nonce=challenge.nonce,
        participant=participant,
        channel=channel,
        actions=[str(action) for action in challenge.actions],
        issued_at=challenge.issued_at,
        expires_at=challenge.expires_at,
    )
    return challenge


def _issued_challenge(participant: Participant, *, nonce: str, channel: str) -> tuple[CheckInChallenge, Challenge]:
    issued = CheckInChallenge.objects.filter(nonce=nonce, participant=participant, channel=channel).first()
    if issued is None:
        raise CheckInError("challenge_unknown", "动作验证请求无效，请重新开始签到")
    if issued.used_at is not None:
        raise CheckInError("nonce_reused", "该验证请求已使用过，请重新开始签到")
    challenge = Challenge(
        nonce=issued.nonce,
        actions=tuple(Action(name) for name in issued.actions),
        issued_at=issued.issued_at,
        expires_at=issued.expires_at,
    )
    return issued, challenge


# The face check ---------------------------------------------------------------------


def verify_live_face(
    *,
    student: Student,
    challenge: Challenge,
    frames: list[Frame],
    now: datetime,
    nonce_store: NonceStore | None = None,
) -> FaceCheck:
    """Check the liveness frames and compare the live face 1:1 with the student's active gallery.

    Writes nothing to the database except the nonce's use (in CheckInChallenge unless
    another `nonce_store` is given). The nonce is used up even when the check fails.
    """
    store = nonce_store if nonce_store is not None else DatabaseNonceStore(model=CheckInChallenge)
    liveness = check_liveness(challenge, frames, nonce_store=store, now=now)
    if not liveness.passed:
        evidence = frames[liveness.descriptors[0].frame].data if liveness.descriptors else _first_frame(frames)
        return FaceCheck(
            outcome=CheckInOutcome.LIVENESS_FAILED,
            reasons=tuple({"code": reason.code, "message": reason.message} for reason in liveness.reasons),
            frame_count=len(frames),
            photo=evidence,
            model_id=liveness.model_id,
            model_version=liveness.model_version,
            frame_hashes=liveness.frame_hashes,
        )

    common = {
        "frame_count": len(frames),
        "photo": frames[liveness.descriptors[0].frame].data,
        "model_id": liveness.model_id,
        "model_version": liveness.model_version,
        "frame_hashes": liveness.frame_hashes,
    }
    gallery = student_gallery(student=student)
    if gallery is None or (gallery.model_id, gallery.model_version) != (liveness.model_id, liveness.model_version):
        logger.info("check-in of student=%s has no usable gallery (found=%s)", student.pk, gallery is not None)
        reason = {
            "code": "no_template",
            "message": "没有找到可用的人脸采集信息（未完成新增采集、暂时录入已过期或需重新采集），请联系学校管理员",
        }
        return FaceCheck(outcome=CheckInOutcome.NO_TEMPLATE, reasons=(reason,), **common)

    # The median over the liveness frames keeps one badly lit or turned frame from
    # deciding either way, as at enrolment.
    distances = [gallery_distance(gallery.face_gallery, item.descriptor) for item in liveness.descriptors]
    distance = float(np.median(distances))
    threshold = thresholds.CHECK_IN_THRESHOLD
    score = similarity(distance, threshold)
    if distance > threshold:
        reason = {
            "code": "face_mismatch",
            "message": "人脸比对未通过：与本人采集的人脸不一致。请本人正对镜头、在光线充足处重试",
        }
        return FaceCheck(
            outcome=CheckInOutcome.FACE_MISMATCH, reasons=(reason,), distance=distance, similarity=score,
            threshold=threshold, **common,
        )  # fmt: skip
    return FaceCheck(
        outcome=CheckInOutcome.PASSED, reasons=(), distance=distance, similarity=score, threshold=threshold, **common
    )


def _first_frame(frames: list[Frame]) -> bytes | None:
    return frames[0].data if frames else None


# Phone ------------------------------------------------------------------------------


def check_in_by_phone(
    *,
    user: User,
    participant: Participant,
    nonce: str,
    frames: list[Frame],
    fix: geo.LocationFix,
    device_id: str,
    now: datetime | None = None,
) -> CheckInResult:
    """Check in the student on the phone: liveness, 1:1 face and the campus geofence.

    Raises PermissionDenied when `user` is not the participant's own student account.
    Raises CheckInError for a request that is refused without storing an attempt: check
    not open, month locked, phone attempts used up, an unknown, used or expired nonce, or
    a fix without coordinates or coordinate system. The location comes only from `fix`.
    """
    now = now or timezone.now()
    participant = _participant_for(user, participant, Channel.PHONE)
    policy = effective_policy_for_school(participant.school)
    _refuse_unless_open(participant, now=now, policy=policy)
    _refuse_unless_attempt_allowed(participant, channel=Channel.PHONE, policy=policy)
    issued, challenge = _issued_challenge(participant, nonce=nonce, channel=Channel.PHONE)

    decision = decide_location(participant, fix=fix, policy=policy)
    if decision.outcome is geo.GeofenceOutcome.INVALID:
        raise CheckInError("location_invalid", decision.message)

    face = verify_live_face(student=participant.student, challenge=challenge, frames=frames, now=now)
    if face.challenge_rejected:
        code = face.reasons[0]["code"]
        raise CheckInError(code, CHALLENGE_REJECTIONS[code] + "签到")

    outcome, reasons, counted = _phone_outcome(face, decision)
    attempt = _Attempt(
        channel=Channel.PHONE,
        outcome=outcome,
        reasons=reasons,
        counted=counted,
        face=face,
        issued=issued,
        fix=fix,
        decision=decision,
        campus_id=decision.nearest_campus_id,
        device_hash=hashlib.sha256(device_id.encode()).hexdigest() if device_id else "",
    )
    return _store_attempt(user, participant, attempt, policy=policy, now=now)


def decide_location(participant: Participant, *, fix: geo.LocationFix, policy: Policy) -> geo.GeofenceDecision:
    """Decide the fix against every approved campus of the participant's school (Art. 21–22)."""
    campuses = [
        geo.CampusPoint(
            campus_id=campus.pk,
            latitude=float(campus.approved_latitude),
            longitude=float(campus.approved_longitude),
            coord_system=campus.approved_coord_system,
            name=campus.name,
        )
        for campus in Campus.objects.filter(school_id=participant.school_id).usable()
    ]
    fence = geo.GeofencePolicy(
        radius_m=policy.geofence_radius_m,
        max_accuracy_m=policy.location_accuracy_limit_m,
        include_accuracy=policy.geofence_adds_accuracy,
    )
    return geo.decide_geofence(fix, campuses, policy=fence)


def _phone_outcome(face: FaceCheck, decision: geo.GeofenceDecision) -> tuple[str, list[dict], bool]:
    """Return (outcome, reasons, counted): a failed face decides first, then the location.

    A fix too imprecise to decide (retry) does not count against the attempt limit
    unless the face failed as well.
    """
    location_reason = {"code": decision.reason, "message": decision.message}
    if not face.passed:
        reasons = list(face.reasons)
        if decision.outcome is not geo.GeofenceOutcome.INSIDE:
            reasons.append(location_reason)
        return face.outcome, reasons, face.outcome != CheckInOutcome.NO_TEMPLATE
    if decision.outcome is geo.GeofenceOutcome.RETRY:
        return CheckInOutcome.LOCATION_RETRY, [location_reason], False
    if decision.outcome is geo.GeofenceOutcome.OUTSIDE:
        return CheckInOutcome.OUTSIDE_GEOFENCE, [location_reason], True
    return CheckInOutcome.PASSED, [], True


# Terminal ---------------------------------------------------------------------------


def check_in_at_terminal(
    *, terminal: User, participant: Participant, nonce: str, frames: list[Frame], now: datetime | None = None
) -> CheckInResult:
    """Confirm the student on site at the school terminal (Art. 13): liveness and 1:1 face.

    The location is the terminal's bound campus, which must be approved (Art. 22). Once the
    policy's number of terminal attempts failed, the result offers the forced pass with
    an evidence photo (next_step "forced_pass").
    Raises PermissionDenied for a user who is not a terminal of the participant's school
    and CheckInError for a request refused without an attempt.
    """
    now = now or timezone.now()
    participant = _participant_for(terminal, participant, Channel.TERMINAL)
    policy = effective_policy_for_school(participant.school)
    _refuse_unless_open(participant, now=now, policy=policy)
    _refuse_unless_attempt_allowed(participant, channel=Channel.TERMINAL, policy=policy)
    campus = _terminal_campus(terminal)
    issued, challenge = _issued_challenge(participant, nonce=nonce, channel=Channel.TERMINAL)

    face = verify_live_face(student=participant.student, challenge=challenge, frames=frames, now=now)
    if face.challenge_rejected:
        code = face.reasons[0]["code"]
        raise CheckInError(code, CHALLENGE_REJECTIONS[code] + "现场确认")

    attempt = _Attempt(
        channel=Channel.TERMINAL,
        outcome=face.outcome,
        reasons=list(face.reasons),
        counted=face.outcome != CheckInOutcome.NO_TEMPLATE,
        face=face,
        issued=issued,
        campus_id=campus.pk,
    )
    return _store_attempt(terminal, participant, attempt, policy=policy, now=now)


def _terminal_campus(terminal: User) -> Campus:
    campus = Campus.objects.filter(pk=terminal.campus_id, school_id=terminal.school_id).first()
    if campus is None or not campus.is_usable:
        raise CheckInError(
            "campus_not_approved", "本终端机绑定的校区位置尚未经省级资助部门审核通过，不能用于签到，请联系学校管理员"
        )
    return campus


# Shared rules -----------------------------------------------------------------------


def _participant_for(user: User, participant: Participant, channel: str) -> Participant:
    """Reload the participant and check that `user` may check in for it on `channel`."""
    if channel not in Channel.values:
        raise ValueError(f"unknown check-in channel {channel!r}; expected one of {Channel.values}")
    current = Participant.objects.select_related("check_record", "student", "school").get(pk=participant.pk)
    active = bool(user and user.is_authenticated and user.is_active)
    if channel == Channel.PHONE:
        allowed = active and user.role == Role.STUDENT and current.student.account_id == user.pk
        if not allowed:
            raise PermissionDenied("只能由学生本人用手机签到。")
    else:
        allowed = active and user.role == Role.TERMINAL and user.school_id == current.school_id
        if not allowed:
            raise PermissionDenied("只有本校的终端机可以进行现场确认。")
    return current


def _refuse_unless_open(participant: Participant, *, now: datetime, policy: Policy) -> None:
    """Refuse a check-in outside the check's open period or in a locked month (Art. 10, 14, 16)."""
    check = participant.check_record
    if check.cancelled_at is not None:
        raise CheckInError("check_cancelled", "本次抽查已撤销，无需签到")
    if now < check.starts_at:
        raise CheckInError("check_not_started", "本次抽查尚未开始，请在抽查开始后签到")
    if now >= check.ends_at:
        closed = timezone.localtime(check.ends_at, SHANGHAI).strftime("%Y年%m月%d日 %H:%M")
        raise CheckInError("check_closed", f"本次抽查已于 {closed} 结束，不能再签到")
    try:
        check_month_unlocked(school=participant.school, year=check.year, month=check.month, at=now, policy=policy)
    except MonthLockedError as error:
        raise CheckInError(error.code, error.message) from None


def _refuse_unless_attempt_allowed(participant: Participant, *, channel: str, policy: Policy) -> None:
    if participant.status in FINAL_STATUSES:
        raise CheckInError(
            "already_decided", f"本次抽查您已{participant.get_status_display()}，无需再次签到", next_step="done"
        )
    if channel == Channel.PHONE and participant.phone_attempts >= policy.phone_attempts_per_check:
        raise CheckInError(
            "phone_attempts_used",
            f"手机签到已尝试 {participant.phone_attempts} 次未通过，不能再用手机签到，{GO_TO_TERMINAL_MESSAGE}",
            next_step="go_to_terminal",
        )


# Storing an attempt ----------------------------------------------------------------


@dataclass
class _Attempt:
    channel: str
    outcome: str
    reasons: list[dict]
    counted: bool
    face: FaceCheck
    issued: CheckInChallenge
    fix: geo.LocationFix | None = None
    decision: geo.GeofenceDecision | None = None
    campus_id: int | None = None
    device_hash: str = ""


def _store_attempt(user: User, participant: Participant, attempt: _Attempt, *, policy: Policy, now: datetime) -> CheckInResult:
    """Store the attempt, update the participant and write the audit entry in one transaction."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        # Another request of the same participant may have finished while the face
        # engine ran; the limits are checked again under the row lock.
        _refuse_unless_attempt_allowed(participant, channel=attempt.channel, policy=policy)

        check_in = _create_check_in(user, participant, attempt, now=now)
        _update_participant(participant, attempt, now=now)
        attempts_left = (
            max(0, policy.phone_attempts_per_check - participant.phone_attempts)
            if attempt.channel == Channel.PHONE
            else None
        )
        record(
            user=user,
            action="check_in.phone" if attempt.channel == Channel.PHONE else "check_in.terminal",
            target=check_in,
            target_repr=f"{participant.student.name}·{participant.check_record}",
            outcome="success" if attempt.outcome == CheckInOutcome.PASSED else "failure",
            school=participant.school,
            detail={
                "check_id": participant.check_record_id,
                "participant_id": participant.pk,
                "number": check_in.number,
                "outcome": attempt.outcome,
                "counted": attempt.counted,
                "face_distance": None if attempt.face.distance is None else round(attempt.face.distance, 4),
                "geofence_distance_m": None if check_in.geofence_distance_m is None else round(check_in.geofence_distance_m),
                "reasons": [reason["code"] for reason in attempt.reasons],
                "participant_status": participant.status,
                "attempts_left": attempts_left,
            },
        )

    logger.info(
        "check-in=%s participant=%s channel=%s number=%s outcome=%s counted=%s",
        check_in.pk, participant.pk, attempt.channel, check_in.number, attempt.outcome, attempt.counted,
    )  # fmt: skip
    _after_attempt(participant, check_in)
    return _result(participant, check_in, attempt, attempts_left=attempts_left)


def _create_check_in(user: User, participant: Participant, attempt: _Attempt, *, now: datetime) -> CheckIn:
    number = CheckIn.objects.filter(participant=participant, channel=attempt.channel).count() + 1
    face = attempt.face
    fix = attempt.fix
    decision = attempt.decision
    wgs84 = decision.wgs84 if decision is not None else None
    check_in = CheckIn.objects.create(
        participant=participant,
        check_record_id=participant.check_record_id,
        student_id=participant.student_id,
        school_id=participant.school_id,
        channel=attempt.channel,
        number=number,
        outcome=attempt.outcome,
        reasons=attempt.reasons,
        challenge=attempt.issued,
        frame_count=face.frame_count,
        face_distance=face.distance,
        similarity=face.similarity,
        threshold=face.threshold,
        model_id=face.model_id,
        model_version=face.model_version,
        photo=_store_photo(participant, face.photo, now=now) if face.photo else None,
        latitude=_decimal(fix.latitude) if fix is not None else None,
        longitude=_decimal(fix.longitude) if fix is not None else None,
        accuracy_m=fix.accuracy_m if fix is not None else None,
        coord_system=(fix.coord_system or "") if fix is not None else "",
        captured_at=fix.captured_at if fix is not None else None,
        wgs84_latitude=wgs84[0] if wgs84 else None,
        wgs84_longitude=wgs84[1] if wgs84 else None,
        geofence_distance_m=decision.distance_m if decision is not None else None,
        campus_id=attempt.campus_id,
        terminal=user if attempt.channel == Channel.TERMINAL else None,
        device_hash=attempt.device_hash,
        created_at=now,
    )
    return check_in


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 7)))


def _store_photo(participant: Participant, content: bytes, *, now: datetime) -> CheckInPhoto:
    """Store one live frame encrypted, with its SHA-256 and perceptual hash for the fraud signals."""
    try:
        decoded = decode_image(content)
        content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "BMP": "image/bmp"}.get(
            decoded.format, "application/octet-stream"
        )
        phash = f"{perceptual_hash(decoded.rgb):016x}"
    except FaceError:
        content_type, phash = "application/octet-stream", ""
    photo = CheckInPhoto.objects.create(
        participant=participant,
        kind=CheckInPhotoKind.LIVE,
        content=b"",
        key_id="",
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        perceptual_hash=phash,
        created_at=now,
    )
    photo.content, photo.key_id = storage.seal(content, associated_data=photo.associated_data)
    photo.save(update_fields=["content", "key_id"])
    return photo


def _update_participant(participant: Participant, attempt: _Attempt, *, now: datetime) -> None:
    if attempt.channel == Channel.PHONE and attempt.counted:
        participant.phone_attempts += 1
    if attempt.channel == Channel.TERMINAL and attempt.counted:
        participant.terminal_attempts += 1
    if attempt.outcome == CheckInOutcome.PASSED:
        participant.status = ParticipantStatus.PASSED
        participant.decided_at = now
    elif attempt.counted:
        participant.status = ParticipantStatus.FAILED
        participant.decided_at = now
    participant.save(update_fields=["phone_attempts", "terminal_attempts", "status", "decided_at"])


def _after_attempt(participant: Participant, check_in: CheckIn) -> None:
    """Recompute the month result and look for fraud signals once the attempt is committed.

    The attempt is already stored, so a failure here is logged instead of reaching the
    student: an error response would make the student try again and use up another
    attempt. `aidface lock_months` recomputes the month again before it locks.
    """
    from aidface.checks import fraud, results

    steps = (
        ("month result", lambda: results.recompute_for_participant(participant)),
        ("fraud signals", lambda: fraud.record_signals(check_in)),
    )
    for step, work in steps:
        try:
            with transaction.atomic():
                work()
        except Exception:
            logger.exception("%s after check_in=%s participant=%s failed", step, check_in.pk, participant.pk)


def _result(participant: Participant, check_in: CheckIn, attempt: _Attempt, *, attempts_left: int | None) -> CheckInResult:
    messages = [reason["message"] for reason in attempt.reasons]
    passed = attempt.outcome == CheckInOutcome.PASSED
    if passed:
        next_step = "done"
        messages.insert(0, "签到成功" if attempt.channel == Channel.PHONE else "现场确认通过")
    elif attempt.channel == Channel.TERMINAL:
        # Art. 13: once the policy's number of on-site attempts failed, the terminal
        # force-passes with an evidence photo (aidface.checks.fallback).
        from aidface.checks.fallback import forced_pass_allowed

        if forced_pass_allowed(participant):
            next_step = "forced_pass"
            messages.append("现场确认未通过，可为学生拍摄留证照片后强制通过，结果将由资助部门复核")
        else:
            next_step = "retry"
            messages.append("现场确认未通过，请重试")
    elif attempt.outcome == CheckInOutcome.NO_TEMPLATE:
        next_step = "go_to_terminal"
        messages.append(f"本次不计入手机签到次数，{GO_TO_TERMINAL_MESSAGE}")
    elif not attempt.counted:
        next_step = "retry"
        messages.append("本次不计入手机签到次数，请重试")
    elif attempts_left:
        next_step = "retry"
        messages.append(f"手机签到还可尝试 {attempts_left} 次")
    else:
        next_step = "go_to_terminal"
        messages.append(f"手机签到次数已用完，{GO_TO_TERMINAL_MESSAGE}")
    return CheckInResult(
        outcome=attempt.outcome,
        passed=passed,
        counted=attempt.counted,
        messages=tuple(messages),
        participant_status=participant.status,
        attempts_left=attempts_left,
        distance_m=check_in.geofence_distance_m,
        similarity=check_in.similarity,
        check_in_id=check_in.pk,
        next_step=next_step,
        reason_codes=tuple(reason["code"] for reason in attempt.reasons),
    )
