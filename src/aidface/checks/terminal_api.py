"""JSON API of the terminal's check-in page: identify, challenge, check in, forced pass (Art. 13).

Frames and the evidence photo arrive as multipart files, as on the enrolment kiosk.
Every handler works only for a terminal on an approved campus and only on
participants of the terminal's own school (others are 404).
"""
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from aidface import face_uploads
from aidface.checks import checkin, fallback, terminal
from aidface.checks.errors import CheckError
from aidface.checks.locking import MonthLockedError
from aidface.checks.models import Channel, Participant
from aidface.face_uploads import MAX_UPLOAD_BYTES, ChallengeOut
from aidface.org import scope
from aidface.policy.calendar import SHANGHAI

logger = logging.getLogger(__name__)

router = Router(tags=["终端机现场确认"])


class ErrorOut(Schema):
    code: str
    message: str


class IdentifyIn(Schema):
    """The ID number typed on the kiosk, or the one the reader service returned with the card's name."""

    id_number: str
    source: str
    name: str = ""


class ParticipantOut(Schema):
    participant_id: int
    student_name: str
    masked_id_number: str
    class_name: str
    check_label: str
    check_ends_at: str
    status: str
    status_label: str
    done: bool
    failed_terminal_attempts: int
    forced_pass_allowed: bool


class CheckInOut(Schema):
    outcome: str
    passed: bool
    messages: list[str]
    next_step: str
    similarity: float | None
    status: str
    status_label: str


class ForcedPassOut(Schema):
    check_in_id: int
    status: str
    status_label: str
    review_due_at: str
    messages: list[str]


def _refused(request: HttpRequest, error: CheckError | MonthLockedError, participant_id: int | None = None) -> Status:
    logger.info("terminal request rejected user=%s participant=%s code=%s", request.user.pk, participant_id, error.code)
    return Status(400, {"code": error.code, "message": error.message})


def _forbidden(request: HttpRequest, error: PermissionDenied) -> Status:
    logger.info("terminal request forbidden user=%s role=%s", request.user.pk, request.user.role)
    return Status(403, {"code": "forbidden", "message": str(error) or "您无权进行此操作。"})


def _participant_or_404(request: HttpRequest, participant_id: int) -> Participant:
    fallback.check_terminal(request.user)
    found = (
        Participant.objects.filter(school__in=scope.schools(request.user), pk=participant_id)
        .select_related("check_record", "student", "school")
        .first()
    )
    if found is None:
        raise Http404("该学生不在本校抽查名单中。")
    return found


def _local(moment) -> str:
    return timezone.localtime(moment, SHANGHAI).strftime("%Y-%m-%d %H:%M")


@router.post("/identify", response={200: ParticipantOut, 400: ErrorOut, 403: ErrorOut})
def identify(request: HttpRequest, payload: IdentifyIn):
    """Find the student by ID number and the participation in a check open now."""
    try:
        found = terminal.identify_student(
            terminal=request.user, id_number=payload.id_number, source=payload.source, card_name=payload.name
        )
    except CheckError as error:
        return _refused(request, error)
    except PermissionDenied as error:
        return _forbidden(request, error)
    participant = found.participant
    student = participant.student
    return {
        "participant_id": participant.pk,
        "student_name": student.name,
        "masked_id_number": student.masked_id_number,
        "class_name": f"{student.grade} {student.class_name}".strip(),
        "check_label": str(participant.check_record),
        "check_ends_at": _local(participant.check_record.ends_at),
        "status": participant.status,
        "status_label": participant.get_status_display(),
        "done": found.done,
        "failed_terminal_attempts": found.failed_terminal_attempts,
        "forced_pass_allowed": found.forced_pass_allowed,
    }


@router.post("/participants/{participant_id}/challenge", response={200: ChallengeOut, 400: ErrorOut, 403: ErrorOut})
def challenge(request: HttpRequest, participant_id: int):
    try:
        participant = _participant_or_404(request, participant_id)
        issued = checkin.issue_check_in_challenge(user=request.user, participant=participant, channel=Channel.TERMINAL)
    except CheckError as error:
        return _refused(request, error, participant_id)
    except PermissionDenied as error:
        return _forbidden(request, error)
    return face_uploads.challenge_out(issued)


@router.post("/participants/{participant_id}/check-in", response={200: CheckInOut, 400: ErrorOut, 403: ErrorOut})
def check_in(
    request: HttpRequest,
    participant_id: int,
    nonce: Form[str],
    captured_ms: Form[str],
    frames: File[list[UploadedFile]],
):
    """Check the filmed frames; `captured_ms` is a JSON list of capture times, one per frame."""
    try:
        decoded = face_uploads.read_frames(frames, captured_ms, retry="请重新识别")
    except face_uploads.FrameUploadError as error:
        return Status(400, {"code": error.code, "message": error.message})
    try:
        participant = _participant_or_404(request, participant_id)
        result = checkin.check_in_at_terminal(terminal=request.user, participant=participant, nonce=nonce, frames=decoded)
    except CheckError as error:
        return _refused(request, error, participant_id)
    except PermissionDenied as error:
        return _forbidden(request, error)
    participant.refresh_from_db()
    return {
        "outcome": result.outcome,
        "passed": result.passed,
        "messages": list(result.messages),
        "next_step": result.next_step,
        "similarity": result.similarity,
        "status": participant.status,
        "status_label": participant.get_status_display(),
    }


@router.post("/participants/{participant_id}/forced-pass", response={200: ForcedPassOut, 400: ErrorOut, 403: ErrorOut})
def forced_pass(request: HttpRequest, participant_id: int, photo: File[UploadedFile]):
    """Force-pass the participant with the evidence photo the page took automatically."""
    if photo.size > MAX_UPLOAD_BYTES:
        return Status(400, {"code": "evidence_unreadable", "message": "留证照片文件过大，请重新拍照"})
    try:
        participant = _participant_or_404(request, participant_id)
        check_in = fallback.force_pass(terminal=request.user, participant=participant, evidence_photo=photo.read())
    except (CheckError, MonthLockedError) as error:
        return _refused(request, error, participant_id)
    except PermissionDenied as error:
        return _forbidden(request, error)
    participant.refresh_from_db()
    return {
        "check_in_id": check_in.pk,
        "status": participant.status,
        "status_label": participant.get_status_display(),
        "review_due_at": _local(check_in.review.due_at),
        "messages": [fallback.FORCED_PASS_MESSAGE],
    }
