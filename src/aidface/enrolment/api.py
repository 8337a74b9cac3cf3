"""JSON API of the terminal's enrolment page: card, consent, challenge, capture, fallbacks.

Frames and photos arrive as multipart files, because 30-odd JPEG frames in a JSON body
would exceed Django's 2.5 MB limit on request bodies.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from aidface import face_uploads
from aidface.enrolment import review, selectors, services
from aidface.enrolment.card import CardError
from aidface.enrolment.services import EnrolmentError
from aidface.face_uploads import MAX_UPLOAD_BYTES, ChallengeOut

router = Router(tags=["新增采集"])

class ErrorOut(Schema):
    code: str
    message: str


class CardIn(Schema):
    """The reader service's JSON, forwarded unchanged by the page; every field is checked again."""

    name: str = ""
    id_number: str = ""
    sex: str = ""
    ethnicity: str = ""
    birth_date: str = ""
    address: str = ""
    issuing_authority: str = ""
    valid_from: str = ""
    valid_until: str = ""
    photo: str = ""


class CardOut(Schema):
    enrolment_id: int
    student_name: str
    masked_id_number: str
    school_name: str
    class_name: str
    guardian_consent_required: bool
    resumed: bool
    state: str


class ConsentIn(Schema):
    student_consents: bool
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_consents: bool = False


class StateOut(Schema):
    enrolment_id: int
    state: str
    state_label: str


class CaptureOut(Schema):
    outcome: str
    state: str
    state_label: str
    messages: list[str]
    similarity: float | None
    late: bool
    attempt_number: int


class PhotoOut(Schema):
    photo_id: int


def _error(error: CardError | EnrolmentError) -> Status:
    return Status(400, {"code": error.code, "message": error.message})


def _forbidden(error: PermissionDenied) -> Status:
    return Status(403, {"code": "forbidden", "message": str(error) or "您无权进行此操作。"})


def _state(enrolment) -> dict:
    return {"enrolment_id": enrolment.pk, "state": enrolment.state, "state_label": enrolment.get_state_display()}


@router.post("/card", response={200: CardOut, 400: ErrorOut, 403: ErrorOut})
def read_card(request: HttpRequest, card: CardIn):
    """Check the card data the page read from the terminal's reader and start the enrolment."""
    try:
        result = services.start_from_card(terminal=request.user, card_data=card.dict())
    except (CardError, EnrolmentError) as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    student = result.student
    return {
        "enrolment_id": result.enrolment.pk,
        "student_name": student.name,
        "masked_id_number": student.masked_id_number,
        "school_name": student.school.name,
        "class_name": f"{student.grade} {student.class_name}".strip(),
        "guardian_consent_required": result.guardian_consent_required,
        "resumed": result.resumed,
        "state": result.enrolment.state,
    }


@router.post("/{enrolment_id}/consent", response={200: StateOut, 400: ErrorOut, 403: ErrorOut})
def consent(request: HttpRequest, enrolment_id: int, payload: ConsentIn):
    enrolment = selectors.get_enrolment_or_404(request.user, enrolment_id)
    try:
        services.record_consent(terminal=request.user, enrolment=enrolment, **payload.dict())
    except EnrolmentError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return _state(enrolment)


@router.post("/{enrolment_id}/challenge", response={200: ChallengeOut, 400: ErrorOut, 403: ErrorOut})
def challenge(request: HttpRequest, enrolment_id: int):
    enrolment = selectors.get_enrolment_or_404(request.user, enrolment_id)
    try:
        issued = services.issue_challenge(terminal=request.user, enrolment=enrolment)
    except EnrolmentError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return face_uploads.challenge_out(issued)


@router.post("/{enrolment_id}/capture", response={200: CaptureOut, 400: ErrorOut, 403: ErrorOut})
def capture(
    request: HttpRequest,
    enrolment_id: int,
    nonce: Form[str],
    captured_ms: Form[str],
    frames: File[list[UploadedFile]],
):
    """Check the filmed frames; `captured_ms` is a JSON list of capture times, one per frame."""
    enrolment = selectors.get_enrolment_or_404(request.user, enrolment_id)
    try:
        decoded = face_uploads.read_frames(frames, captured_ms, retry="请重新采集")
    except face_uploads.FrameUploadError as error:
        return Status(400, {"code": error.code, "message": error.message})
    try:
        result = services.submit_capture(terminal=request.user, enrolment=enrolment, nonce=nonce, frames=decoded)
    except EnrolmentError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    enrolment.refresh_from_db()
    return {
        "outcome": result.outcome,
        "state": result.state,
        "state_label": enrolment.get_state_display(),
        "messages": list(result.messages),
        "similarity": result.similarity,
        "late": result.late,
        "attempt_number": result.attempt_number,
    }


@router.post("/{enrolment_id}/provisional", response={200: StateOut, 400: ErrorOut, 403: ErrorOut})
def provisional(request: HttpRequest, enrolment_id: int):
    """Register the student provisionally after a failed verification (Art. 7)."""
    enrolment = selectors.get_enrolment_or_404(request.user, enrolment_id)
    try:
        enrolment = review.register_provisional(user=request.user, enrolment=enrolment)
    except EnrolmentError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return _state(enrolment)


@router.post("/{enrolment_id}/evidence", response={200: PhotoOut, 400: ErrorOut, 403: ErrorOut})
def evidence(request: HttpRequest, enrolment_id: int, photo: File[UploadedFile]):
    """Store the photo of the student holding the ID card, for the school's appeal (Art. 7)."""
    enrolment = selectors.get_enrolment_or_404(request.user, enrolment_id)
    if photo.size > MAX_UPLOAD_BYTES:
        return Status(400, {"code": "evidence_unreadable", "message": "照片文件过大，请重新拍摄"})
    try:
        stored = review.capture_evidence(user=request.user, enrolment=enrolment, photo=photo.read())
    except EnrolmentError as error:
        return _error(error)
    except PermissionDenied as error:
        return _forbidden(error)
    return {"photo_id": stored.pk}
