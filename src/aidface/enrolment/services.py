"""Enrolment at the terminal (Art. 6): card read, consent, liveness challenge, capture and verification.

Each step checks that the terminal may act on the enrolment, changes the state and
writes its audit entry in one transaction. The face engine's work (liveness, descriptors)
runs before that transaction, so no database lock is held while frames are analysed.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime
from random import Random

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from aidface.audit.services import record
from aidface.enrolment import galleries, storage
from aidface.enrolment.card import CardError, IdCard, normalise_name, parse_card
from aidface.enrolment.models import (
    AttemptOutcome,
    Consent,
    ConsentKind,
    Enrolment,
    EnrolmentAttempt,
    EnrolmentPhoto,
    EnrolmentState,
    LivenessChallenge,
    PhotoKind,
    TemplateKind,
)
from aidface.enrolment.nonces import DatabaseNonceStore
from aidface.face import templates, thresholds
from aidface.face.decode import decode_image
from aidface.face.descriptor import DEFAULT_MODEL
from aidface.face.detect import find_face
from aidface.face.errors import FaceError
from aidface.face.liveness import Challenge, Frame, check_liveness
from aidface.face.liveness import issue_challenge as issue_liveness_challenge
from aidface.face.liveness_actions import Action
from aidface.face.verify import similarity
from aidface.org import scope
from aidface.org.models import Role, User
from aidface.policy.calendar import local_day
from aidface.policy.selectors import effective_policy_for_school
from aidface.roster.models import Student
from aidface.roster.services import semester_at

logger = logging.getLogger(__name__)

# Students under this age enrol only with a guardian's consent as well as their own,
# because a face is sensitive personal information and most of them are minors.
ADULT_AGE = 18
CAPTURE_ROLES = frozenset({Role.TERMINAL, Role.SCHOOL_OPERATOR})
# States in which a card read continues the student's enrolment instead of starting one.
RESUMABLE_STATES = frozenset(
    {EnrolmentState.IN_PROGRESS, EnrolmentState.VERIFICATION_FAILED, EnrolmentState.REFERENCE_UNUSABLE}
)


class EnrolmentError(Exception):
    """A step that cannot be done now; `message` is the Chinese sentence shown to the operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CardResult:
    enrolment: Enrolment
    student: Student
    guardian_consent_required: bool
    resumed: bool


@dataclass(frozen=True)
class CaptureResult:
    outcome: str
    state: str
    messages: tuple[str, ...] = ()
    distance: float | None = None
    similarity: float | None = None
    threshold: float | None = None
    late: bool = False
    attempt_number: int = 0
    reason_codes: tuple[str, ...] = field(default=())


def check_capture_role(user: User) -> None:
    if not (user.is_active and user.role in CAPTURE_ROLES and user.school_id):
        raise PermissionDenied("只有学校的终端机或学校管理员可以进行新增采集。")


def start_from_card(*, terminal: User, card_data: dict, now: datetime | None = None) -> CardResult:
    """Check the card read at the terminal and start or continue the student's enrolment.

    Raises CardError for unusable card data and EnrolmentError when the student is not on
    the school's roster, the name differs or the student has already been enrolled.
    """
    check_capture_role(terminal)
    now = now or timezone.now()
    today = local_day(now)

    try:
        card = parse_card(card_data, today=today)
        student = _match_roster(terminal, card)
        with transaction.atomic():
            enrolment, resumed = _open_enrolment(terminal, student, card, now=now)
            _store_photo(enrolment, kind=PhotoKind.CHIP, content=card.chip_photo, user=terminal, now=now)
            record(
                user=terminal,
                action="enrolment.card_read",
                target=enrolment,
                target_repr=str(enrolment),
                school=enrolment.school,
                detail={"student_id": student.pk, "resumed": resumed},
            )
    except (CardError, EnrolmentError) as error:
        # Refused reads are recorded too: a run of them at one terminal is worth a look.
        with transaction.atomic():
            record(user=terminal, action="enrolment.card_read", outcome="failure", detail={"code": error.code})
        raise
    return CardResult(
        enrolment=enrolment,
        student=student,
        guardian_consent_required=enrolment.guardian_consent_required,
        resumed=resumed,
    )


def _match_roster(terminal: User, card: IdCard) -> Student:
    student = scope.students(terminal).filter(id_number=card.id_number).first()
    if student is None:
        raise EnrolmentError(
            "not_on_roster", "本校学生名册中没有该身份证号。请确认学生已在全国学生资助管理信息系统的本校名册中，并已导入本系统"
        )
    if normalise_name(student.name) != card.name:
        raise EnrolmentError(
            "name_mismatch", "身份证上的姓名与学生名册不一致，请核对名册后重新导入，或更换本人证件后重试"
        )
    return student


def _open_enrolment(terminal: User, student: Student, card: IdCard, *, now: datetime) -> tuple[Enrolment, bool]:
    # The lock on the student row serialises two terminals reading the same card at once.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    current = Enrolment.objects.filter(student=student).exclude(state=EnrolmentState.RESET).first()
    if current is not None and current.state not in RESUMABLE_STATES:
        raise_already_enrolled(terminal, current)

    guardian_required = card.age_on(local_day(now)) < ADULT_AGE
    if current is None:
        enrolment = Enrolment.objects.create(
            student=student,
            school=student.school,
            semester=semester_at(now),
            terminal=terminal,
            campus=terminal.campus,
            card_valid_until=card.valid_until,
            card_issuing_authority=card.issuing_authority,
            guardian_consent_required=guardian_required,
            started_at=now,
        )
        return enrolment, False

    current.terminal = terminal
    current.campus = terminal.campus
    current.card_valid_until = card.valid_until
    current.card_issuing_authority = card.issuing_authority
    current.guardian_consent_required = guardian_required
    current.save(
        update_fields=["terminal", "campus", "card_valid_until", "card_issuing_authority", "guardian_consent_required"]
    )
    return current, True


def raise_already_enrolled(user: User, enrolment: Enrolment) -> None:
    """Raise EnrolmentError for a second enrolment (Art. 6: once per student)."""
    logger.info("second enrolment rejected: enrolment=%s already in state %s", enrolment.pk, enrolment.state)
    raise EnrolmentError(
        "already_enrolled",
        f"该学生已进行过新增采集（{enrolment.get_state_display()}），每名学生只采集一次。"
        "如确需重新采集，请由学校向同级资助部门申请重置",
    )


def record_consent(
    *,
    terminal: User,
    enrolment: Enrolment,
    student_consents: bool,
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_consents: bool = False,
    now: datetime | None = None,
) -> list[Consent]:
    """Record the student's consent and, for a student under 18, the guardian's (time and terminal)."""
    check_capture_role(terminal)
    enrolment = _enrolment_for_capture(terminal, enrolment)
    now = now or timezone.now()

    if not student_consents:
        raise EnrolmentError("consent_missing", "学生本人未同意采集人脸信息，不能继续采集")
    guardian_name = guardian_name.strip()
    if enrolment.guardian_consent_required and not (guardian_consents and guardian_name and guardian_relation.strip()):
        raise EnrolmentError(
            "guardian_consent_missing", "该学生未满 18 周岁，须由监护人到场同意，请填写监护人姓名和与学生关系并勾选同意"
        )

    with transaction.atomic():
        consents = [
            Consent.objects.create(
                enrolment=enrolment,
                kind=ConsentKind.STUDENT,
                signer_name=enrolment.student.name,
                given_at=now,
                terminal=terminal,
                campus=terminal.campus,
            )
        ]
        if enrolment.guardian_consent_required:
            consents.append(
                Consent.objects.create(
                    enrolment=enrolment,
                    kind=ConsentKind.GUARDIAN,
                    signer_name=guardian_name[:64],
                    relation=guardian_relation.strip()[:32],
                    given_at=now,
                    terminal=terminal,
                    campus=terminal.campus,
                )
            )
        record(
            user=terminal,
            action="enrolment.consent",
            target=enrolment,
            target_repr=str(enrolment),
            school=enrolment.school,
            detail={"kinds": [consent.kind for consent in consents]},
        )
    return consents


def has_consent(enrolment: Enrolment) -> bool:
    kinds = set(enrolment.consents.values_list("kind", flat=True))
    if ConsentKind.STUDENT not in kinds:
        return False
    return not enrolment.guardian_consent_required or ConsentKind.GUARDIAN in kinds


def issue_challenge(
    *, terminal: User, enrolment: Enrolment, rng: Random | None = None, now: datetime | None = None
) -> Challenge:
    """Issue a liveness challenge of two actions drawn from the policy's liveness actions."""
    check_capture_role(terminal)
    enrolment = _enrolment_for_capture(terminal, enrolment)
    if not has_consent(enrolment):
        raise EnrolmentError("consent_missing", "尚未记录采集同意，请先完成同意确认")

    policy = effective_policy_for_school(enrolment.school)
    challenge = issue_liveness_challenge(rng=rng, now=now or timezone.now(), allowed_actions=policy.liveness_actions)
    LivenessChallenge.objects.create(
        nonce=challenge.nonce,
        enrolment=enrolment,
        actions=[str(action) for action in challenge.actions],
        issued_at=challenge.issued_at,
        expires_at=challenge.expires_at,
    )
    return challenge


def submit_capture(
    *, terminal: User, enrolment: Enrolment, nonce: str, frames: list[Frame], now: datetime | None = None
) -> CaptureResult:
    """Check the liveness frames, verify them against the chip photo and store the gallery on success."""
    check_capture_role(terminal)
    enrolment = _enrolment_for_capture(terminal, enrolment)
    issued = LivenessChallenge.objects.filter(nonce=nonce, enrolment=enrolment).first()
    if issued is None:
        raise EnrolmentError("challenge_unknown", "动作验证请求无效，请重新开始采集")
    challenge = Challenge(
        nonce=issued.nonce,
        actions=tuple(Action(name) for name in issued.actions),
        issued_at=issued.issued_at,
        expires_at=issued.expires_at,
    )

    now = now or timezone.now()
    liveness = check_liveness(challenge, frames, nonce_store=DatabaseNonceStore(), now=now)
    if not liveness.passed:
        return _record_attempt(
            terminal,
            enrolment,
            issued,
            now=now,
            outcome=AttemptOutcome.LIVENESS_FAILED,
            reasons=[{"code": reason.code, "message": reason.message} for reason in liveness.reasons],
            frame_count=len(frames),
        )

    live_descriptors = np.stack([item.descriptor for item in liveness.descriptors])
    live_photo = frames[liveness.descriptors[0].frame].data
    chip_descriptor = _chip_descriptor(enrolment)
    common = {
        "now": now,
        "frame_count": len(frames),
        "live_descriptors": live_descriptors,
        "live_photo": live_photo,
        "model_id": liveness.model_id,
        "model_version": liveness.model_version,
    }
    if chip_descriptor is None:
        reason = {"code": "reference_unusable", "message": "身份证照片无法识别人脸，已转人工审核，可登记暂时录入或拍摄手持身份证照片提交申诉"}
        return _record_attempt(
            terminal, enrolment, issued, outcome=AttemptOutcome.REFERENCE_UNUSABLE, reasons=[reason], **common
        )

    # The median over the live frames keeps one badly lit frame from deciding either way.
    # Each frame's distance is what aidface.face.verify computes for purpose "enrolment"
    # against a gallery holding only the chip photo.
    distance = float(np.median(DEFAULT_MODEL.distances(chip_descriptor, live_descriptors)))
    threshold = thresholds.ENROLMENT_THRESHOLD
    if distance > threshold:
        reason = {"code": "mismatch", "message": "现场人脸与身份证照片不一致，请重试；多次不通过可登记暂时录入或提交佐证申诉"}
        return _record_attempt(
            terminal, enrolment, issued, outcome=AttemptOutcome.MISMATCH, reasons=[reason],
            distance=distance, threshold=threshold, **common,
        )  # fmt: skip

    gallery = galleries.build_gallery(
        chip=chip_descriptor, live=live_descriptors, model_id=liveness.model_id, model_version=liveness.model_version
    )
    return _record_attempt(
        terminal, enrolment, issued, outcome=AttemptOutcome.PASSED, reasons=[],
        distance=distance, threshold=threshold, gallery=gallery, **common,
    )  # fmt: skip


def _chip_descriptor(enrolment: Enrolment) -> np.ndarray | None:
    """Return the descriptor of the latest chip photo, or None when it shows no usable face."""
    chip = enrolment.photos.filter(kind=PhotoKind.CHIP).order_by("-created_at", "-id").first()
    if chip is None:
        return None
    try:
        face = find_face(decode_image(storage.open_photo(chip)), reference=True)
    except FaceError as error:
        logger.info("chip photo of enrolment=%s unusable: %s", enrolment.pk, error.code)
        return None
    return DEFAULT_MODEL.describe(face)


def _record_attempt(
    terminal: User,
    enrolment: Enrolment,
    issued: LivenessChallenge,
    *,
    now: datetime,
    outcome: str,
    reasons: list[dict],
    frame_count: int,
    live_descriptors: np.ndarray | None = None,
    live_photo: bytes | None = None,
    model_id: str = "",
    model_version: str = "",
    distance: float | None = None,
    threshold: float | None = None,
    gallery: templates.Gallery | None = None,
) -> CaptureResult:
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.state not in RESUMABLE_STATES:
            raise EnrolmentError("not_in_progress", "该学生的采集已结束，不能再提交画面")
        number = enrolment.attempts.count() + 1
        attempt = EnrolmentAttempt.objects.create(
            enrolment=enrolment,
            number=number,
            challenge=issued,
            outcome=outcome,
            reasons=reasons,
            frame_count=frame_count,
            distance=distance,
            similarity=similarity(distance, threshold) if distance is not None else None,
            threshold=threshold,
            model_id=model_id,
            model_version=model_version,
            terminal=terminal,
            created_at=now,
        )
        if live_descriptors is not None:
            attempt.descriptors, _ = storage.seal(
                storage.pack_descriptors(live_descriptors), associated_data=attempt.descriptors_associated_data
            )
            attempt.live_photo = _store_photo(enrolment, kind=PhotoKind.LIVE, content=live_photo, user=terminal, now=now)
            attempt.save(update_fields=["descriptors", "live_photo"])

        if outcome == AttemptOutcome.PASSED:
            complete(enrolment, now=now)
            galleries.store_template(enrolment=enrolment, kind=TemplateKind.ENROLLED, gallery=gallery)
            galleries.finish_with_gallery(enrolment, state=EnrolmentState.ENROLLED)
        elif outcome == AttemptOutcome.MISMATCH:
            enrolment.state = EnrolmentState.VERIFICATION_FAILED
        elif outcome == AttemptOutcome.REFERENCE_UNUSABLE:
            enrolment.state = EnrolmentState.REFERENCE_UNUSABLE
        enrolment.save()

        record(
            user=terminal,
            action="enrolment.capture",
            target=enrolment,
            target_repr=str(enrolment),
            outcome="success" if outcome == AttemptOutcome.PASSED else "failure",
            school=enrolment.school,
            detail={
                "attempt": number,
                "outcome": outcome,
                "state": enrolment.state,
                "distance": None if distance is None else round(distance, 4),
                "reasons": [reason["code"] for reason in reasons],
            },
        )

    logger.info("enrolment=%s attempt=%s outcome=%s state=%s", enrolment.pk, number, outcome, enrolment.state)
    return CaptureResult(
        outcome=outcome,
        state=enrolment.state,
        messages=tuple(reason["message"] for reason in reasons),
        distance=distance,
        similarity=attempt.similarity,
        threshold=threshold,
        late=enrolment.late,
        attempt_number=number,
        reason_codes=tuple(reason["code"] for reason in reasons),
    )


def complete(enrolment: Enrolment, *, now: datetime) -> None:
    """Stamp the completion moment, its semester and whether it came after the deadline (Art. 6)."""
    semester = semester_at(now)
    calendar = semester.calendar(effective_policy_for_school(enrolment.school))
    enrolment.semester = semester
    enrolment.completed_at = now
    enrolment.late = calendar.is_late_enrolment(now)


def _enrolment_for_capture(user: User, enrolment: Enrolment) -> Enrolment:
    """Reload the enrolment within the user's scope and check that capture may go on."""
    current = _scoped_enrolment(user, enrolment.pk)
    if current.state not in RESUMABLE_STATES:
        raise EnrolmentError("not_in_progress", f"该学生的采集状态为“{current.get_state_display()}”，不能继续采集")
    return current


def _scoped_enrolment(user: User, pk: int) -> Enrolment:
    from aidface.enrolment.selectors import get_enrolment_or_404

    return get_enrolment_or_404(user, pk)


def _store_photo(enrolment: Enrolment, *, kind: str, content: bytes, user: User, now: datetime) -> EnrolmentPhoto:
    photo = EnrolmentPhoto.objects.create(
        enrolment=enrolment,
        kind=kind,
        content=b"",
        key_id="",
        content_type=_content_type(content),
        created_at=now,
        taken_by=user,
    )
    photo.content, photo.key_id = storage.seal(content, associated_data=photo.associated_data)
    photo.save(update_fields=["content", "key_id"])
    return photo


def _content_type(content: bytes) -> str:
    try:
        image_format = decode_image(content).format
    except FaceError:
        return "application/octet-stream"
    return {"JPEG": "image/jpeg", "BMP": "image/bmp", "PNG": "image/png", "WEBP": "image/webp"}.get(
        image_format, "application/octet-stream"
    )


def finish_duplicate_review(*, user: User, enrolment: Enrolment, fraud: bool, comment: str = "") -> Enrolment:
    """Finish an enrolment held for a duplicate-face case once the office has decided it.

    Cleared: the enrolment becomes enrolled, or provisional when its gallery is provisional.
    Fraud confirmed: the enrolment is flagged and its gallery deactivated.
    """
    from aidface.enrolment.models import FaceTemplate

    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if enrolment.state != EnrolmentState.AWAITING_DUPLICATE_REVIEW:
            raise EnrolmentError("not_awaiting_review", "该采集不在疑似一人多籍审核中")
        if fraud:
            galleries.deactivate_templates(enrolment)
            enrolment.state = EnrolmentState.DUPLICATE_FRAUD
        else:
            template = FaceTemplate.objects.filter(enrolment=enrolment, active=True).first()
            provisional = template is not None and template.kind == TemplateKind.PROVISIONAL
            enrolment.state = EnrolmentState.PROVISIONAL if provisional else EnrolmentState.ENROLLED
        enrolment.save(update_fields=["state"])
        record(
            user=user,
            action="enrolment.duplicate_review",
            target=enrolment,
            target_repr=str(enrolment),
            school=enrolment.school,
            detail={"fraud": fraud, "state": enrolment.state, "commented": bool(comment)},
        )
    return enrolment
