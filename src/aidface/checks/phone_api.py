"""JSON API of the student's phone check-in page: the liveness challenge and the check-in.

The page sends the frames as multipart files (30-odd JPEG frames would exceed Django's
limit on a JSON body) together with the location fix as the phone reported it. The
location is taken only from that fix, never from the client's IP address.
"""
import math
from datetime import UTC

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from aidface import face_uploads, geo
from aidface.checks import checkin, selectors
from aidface.checks.models import Channel, CheckInChallenge, Participant
from aidface.org import scope
from aidface.org.models import Role
from aidface.policy.selectors import effective_policy_for_school

router = Router(tags=["手机签到"])

# The page keeps a random id in local storage; anything longer is not such an id.
MAX_DEVICE_ID_LENGTH = 128


class ErrorOut(Schema):
    code: str
    message: str
    next_step: str = ""


class ChallengeOut(face_uploads.ChallengeOut):
    attempts_left: int


class CheckInOut(Schema):
    outcome: str
    passed: bool
    counted: bool
    messages: list[str]
    participant_status: str
    attempts_left: int | None
    distance_m: float | None
    similarity: float | None
    next_step: str


def _refused(error: checkin.CheckInError) -> Status:
    return Status(400, {"code": error.code, "message": error.message, "next_step": error.next_step})


def _forbidden(error: PermissionDenied) -> Status:
    return Status(403, {"code": "forbidden", "message": str(error) or "您无权进行此操作。"})


def _own_student(request: HttpRequest):
    if request.user.role != Role.STUDENT:
        raise PermissionDenied("只有学生账号可以使用手机签到。")
    student = scope.students(request.user).select_related("school").first()
    if student is None:
        raise PermissionDenied("您的账号没有关联学生名册，请联系学校管理员。")
    return student


@router.post("/challenge", response={200: ChallengeOut, 400: ErrorOut, 403: ErrorOut})
def challenge(request: HttpRequest, participant_id: int | None = None):
    """Issue the liveness challenge for the student's check-in.

    `participant_id` (query) names the participant row the page was opened for, so a
    check that closed meanwhile is refused with its closing time. Without it, the
    student's participation in the check open now is used.
    """
    try:
        student = _own_student(request)
        if participant_id is not None:
            participant = Participant.objects.filter(pk=participant_id, student=student).first()
        else:
            participant = selectors.open_participation(student)
        if participant is None:
            raise checkin.CheckInError("no_open_check", "当前没有需要您签到的抽查")
        issued = checkin.issue_check_in_challenge(user=request.user, participant=participant, channel=Channel.PHONE)
    except checkin.CheckInError as error:
        return _refused(error)
    except PermissionDenied as error:
        return _forbidden(error)

    policy = effective_policy_for_school(participant.school)
    return {
        **face_uploads.challenge_out(issued, prompts=issued.prompts),
        "attempts_left": max(0, policy.phone_attempts_per_check - participant.phone_attempts),
    }


@router.post("/check-in", response={200: CheckInOut, 400: ErrorOut, 403: ErrorOut})
def check_in(
    request: HttpRequest,
    nonce: Form[str],
    captured_ms: Form[str],
    frames: File[list[UploadedFile]],
    coord_system: Form[str] = "",
    latitude: Form[str] = "",
    longitude: Form[str] = "",
    accuracy: Form[str] = "",
    captured_at: Form[str] = "",
    device_id: Form[str] = "",
):
    """Check the frames and the location fix.

    `captured_ms` is a JSON list of frame capture times (one per frame, milliseconds).
    `latitude`, `longitude` (degrees) and `accuracy` (metres) are the fix in the system
    named by `coord_system` (wgs84, gcj02 or bd09); `captured_at` is the fix's ISO time.
    """
    try:
        student = _own_student(request)
    except PermissionDenied as error:
        return _forbidden(error)
    issued = CheckInChallenge.objects.filter(
        nonce=nonce, channel=Channel.PHONE, participant__student=student
    ).select_related("participant").first()
    if issued is None:
        return Status(400, {"code": "challenge_unknown", "message": "动作验证请求无效，请重新开始签到"})

    try:
        decoded = face_uploads.read_frames(frames, captured_ms, retry="请重新签到")
    except face_uploads.FrameUploadError as error:
        return Status(400, {"code": error.code, "message": error.message})
    if len(device_id) > MAX_DEVICE_ID_LENGTH:
        return Status(400, {"code": "device_invalid", "message": "设备标识无效，请刷新页面后重试"})
    try:
        fix = geo.LocationFix(
            latitude=_number(latitude),
            longitude=_number(longitude),
            accuracy_m=_number(accuracy),
            coord_system=coord_system.strip().lower() or None,
            captured_at=_moment(captured_at),
        )
    except ValueError:
        return Status(400, {"code": "location_invalid", "message": "定位数据无效，请刷新页面后重新定位。"})

    try:
        result = checkin.check_in_by_phone(
            user=request.user, participant=issued.participant, nonce=nonce, frames=decoded, fix=fix, device_id=device_id
        )
    except checkin.CheckInError as error:
        return _refused(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return {
        "outcome": result.outcome,
        "passed": result.passed,
        "counted": result.counted,
        "messages": list(result.messages),
        "participant_status": result.participant_status,
        "attempts_left": result.attempts_left,
        "distance_m": None if result.distance_m is None else round(result.distance_m),
        "similarity": result.similarity,
        "next_step": result.next_step,
    }


def _number(text: str) -> float | None:
    """Parse a decimal number; "" is missing. Raises ValueError for anything else that is not finite."""
    text = text.strip()
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def _moment(text: str):
    """Parse the fix's ISO time; a time without an offset is read as UTC, an unreadable one is dropped."""
    try:
        moment = parse_datetime(text.strip()) if text.strip() else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment
