"""JSON API of the pre-departure confirmation kiosk: look up the internship, challenge, capture.

Frames arrive as multipart files like at enrolment, because 30-odd JPEG frames in a
JSON body would exceed Django's limit on request bodies.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from aidface import face_uploads
from aidface.face_uploads import ChallengeOut
from aidface.internships import confirmation
from aidface.internships.errors import InternshipError
from aidface.internships.models import InternshipRecord

router = Router(tags=["岗位实习"])


class ErrorOut(Schema):
    code: str
    message: str


class LookupIn(Schema):
    id_number: str


class RecordOut(Schema):
    record_id: int
    student_name: str
    masked_id_number: str
    class_name: str
    company: str
    address: str
    period: str


class ConfirmOut(Schema):
    passed: bool
    outcome: str
    messages: list[str]
    similarity: float | None
    confirmed_at: str | None


def _error(error: InternshipError) -> Status:
    return Status(400, {"code": error.code, "message": error.message})


def _forbidden(error: PermissionDenied) -> Status:
    return Status(403, {"code": "forbidden", "message": str(error) or "您无权进行此操作。"})


def _record_of_terminal(request: HttpRequest, record_id: int) -> InternshipRecord:
    """Return the record if it belongs to the terminal's school, and raise Http404 for any other."""
    found = InternshipRecord.objects.select_related("student", "school").filter(pk=record_id, school=request.user.school_id).first()
    if found is None or not request.user.school_id:
        raise Http404("记录不存在或不属于本校")
    return found


@router.post("/terminal/lookup", response={200: RecordOut, 400: ErrorOut, 403: ErrorOut})
def lookup(request: HttpRequest, payload: LookupIn):
    """Find the internship awaiting confirmation of the student with this ID number at the terminal's school."""
    try:
        found = confirmation.record_for_confirmation(terminal=request.user, id_number=payload.id_number)
    except InternshipError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    student = found.student
    return {
        "record_id": found.pk,
        "student_name": student.name,
        "masked_id_number": student.masked_id_number,
        "class_name": f"{found.grade} {found.class_name}".strip(),
        "company": found.company,
        "address": found.address,
        "period": f"{found.start_date:%Y-%m-%d} 至 {found.end_date:%Y-%m-%d}",
    }


@router.post("/terminal/{record_id}/challenge", response={200: ChallengeOut, 400: ErrorOut, 403: ErrorOut})
def challenge(request: HttpRequest, record_id: int):
    try:
        confirmation.check_terminal(request.user)
        issued = confirmation.issue_confirmation_challenge(terminal=request.user, record=_record_of_terminal(request, record_id))
    except InternshipError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return face_uploads.challenge_out(issued)


@router.post("/terminal/{record_id}/confirm", response={200: ConfirmOut, 400: ErrorOut, 403: ErrorOut})
def confirm(request: HttpRequest, record_id: int, nonce: Form[str], captured_ms: Form[str], frames: File[list[UploadedFile]]):
    """Check the filmed frames. `captured_ms` is a JSON list of capture times, one per frame."""
    try:
        confirmation.check_terminal(request.user)
    except PermissionDenied as error:
        return _forbidden(error)
    found = _record_of_terminal(request, record_id)
    try:
        decoded = face_uploads.read_frames(frames, captured_ms, retry="请重新确认")
    except face_uploads.FrameUploadError as error:
        return Status(400, {"code": error.code, "message": error.message})
    try:
        result = confirmation.confirm_departure(terminal=request.user, record=found, nonce=nonce, frames=decoded)
    except InternshipError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return {
        "passed": result.passed,
        "outcome": result.outcome,
        "messages": list(result.messages),
        "similarity": result.similarity,
        "confirmed_at": timezone.localtime(result.confirmed_at).strftime("%Y-%m-%d %H:%M") if result.confirmed_at else None,
    }
