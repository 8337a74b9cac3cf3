"""Access to the enrolment app's galleries and review photos for the duplicate search.

Every use of the enrolment app's models by the duplicates app goes through this module.
"""
import logging
from dataclasses import dataclass

from aidface.enrolment import storage as enrolment_storage
from aidface.enrolment.models import Enrolment, EnrolmentPhoto, EnrolmentState, FaceTemplate, PhotoKind

logger = logging.getLogger(__name__)


def model_key(gallery) -> str:
    """Return the descriptor model and input crop of a gallery, as the index records them."""
    return f"{gallery.model_id}/{gallery.model_version}"


def gallery_of(enrolment):
    """Return the enrolment's active gallery (aidface.enrolment.selectors.Gallery) or None."""
    from aidface.enrolment import selectors

    return selectors.gallery_descriptors(enrolment=enrolment)


def searchable_galleries():
    """Yield every active gallery: enrolled ones and provisional ones that have not expired."""
    from aidface.enrolment import selectors

    return selectors.searchable_galleries()


def enrolment_by_id(enrolment_id: int) -> Enrolment:
    return Enrolment.objects.get(pk=enrolment_id)


def active_gallery_ids(gallery_ids: set[int]) -> set[int]:
    """Return those of the galleries that are still active (not replaced, reset or deactivated)."""
    return set(FaceTemplate.objects.filter(pk__in=gallery_ids, active=True).values_list("pk", flat=True))


def finish_review(*, user, enrolment_id: int, fraud: bool, comment: str) -> None:
    """Release (or, on fraud, stop) the enrolment that waited for the office's decision."""
    from aidface.enrolment import services

    enrolment = Enrolment.objects.get(pk=enrolment_id)
    if enrolment.state != EnrolmentState.AWAITING_DUPLICATE_REVIEW:
        # Reset by the office while the case was open: nothing waits any more.
        logger.info("duplicate review finished for enrolment=%s in state %s; nothing to release", enrolment_id, enrolment.state)
        return
    services.finish_duplicate_review(user=user, enrolment=enrolment, fraud=fraud, comment=comment)


@dataclass(frozen=True)
class ReviewPhoto:
    content: bytes
    content_type: str


def _current_photos(student_id: int):
    return EnrolmentPhoto.objects.filter(enrolment__student_id=student_id).exclude(enrolment__state=EnrolmentState.RESET)


def available_photo_kinds(student_id: int) -> set[str]:
    """Return the kinds of photo (chip, live) the student's current enrolment holds, without decrypting any."""
    return set(_current_photos(student_id).values_list("kind", flat=True))


def review_photo(*, student_id: int, kind: str) -> ReviewPhoto | None:
    """Return the newest chip or live photo of the student's current enrolment, decrypted, or None."""
    if kind not in PhotoKind.values:
        return None
    photo = _current_photos(student_id).filter(kind=kind).order_by("-created_at", "-id").first()
    if photo is None:
        return None
    return ReviewPhoto(content=enrolment_storage.open_photo(photo), content_type=photo.content_type)
