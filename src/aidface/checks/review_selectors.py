"""Reading forced passes and their reviews within the user's jurisdiction.

Office staff read the forced passes of every school in their scope, but only the
supervising office decides them. School staff read their own school's. Students and terminals see none. A record outside the scope is a
404, so its existence is not disclosed.
"""
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from aidface import crypto
from aidface.checks.models import CheckIn, CheckInPhoto, ForcedPassReview, ReviewState
from aidface.enrolment.models import (
    AttemptOutcome,
    Enrolment,
    EnrolmentAttempt,
    EnrolmentPhoto,
    EnrolmentState,
    PhotoKind,
)
from aidface.org import scope
from aidface.org.models import Role

NOT_FOUND = "记录不存在或不在您的管辖范围内，请返回列表重新选择。"
READER_ROLES = frozenset({Role.OFFICE_STAFF, Role.SCHOOL_OPERATOR, Role.PRINCIPAL})

# List filters: "pending" is open for a decision, "expired" passed its due time
# undecided (the forced pass remains), "decided" has the second reviewer's decision.
FILTER_STATES = {
    "pending": "待复核",
    "expired": "逾期未复核（维持强制通过）",
    "decided": "已复核",
}


def forced_pass_reviews(user) -> QuerySet[ForcedPassReview]:
    """Return the forced-pass reviews of the schools in the user's scope, soonest due first."""
    if not (getattr(user, "is_superuser", False) or getattr(user, "role", None) in READER_ROLES):
        return ForcedPassReview.objects.none()
    return ForcedPassReview.objects.filter(participant__school__in=scope.schools(user)).select_related(
        "participant__student",
        "participant__school",
        "participant__check_record",
        "check_in",
        "office",
        "first_reviewer",
        "second_reviewer",
    )


def filter_reviews(
    reviews: QuerySet[ForcedPassReview],
    *,
    state: str = "",
    school_id: int | None = None,
    year: int | None = None,
    month: int | None = None,
    now: datetime | None = None,
) -> QuerySet[ForcedPassReview]:
    """Narrow a review list by filter state (a FILTER_STATES key), school and the check's month."""
    now = now or timezone.now()
    if state == "pending":
        reviews = reviews.filter(state=ReviewState.PENDING, due_at__gt=now)
    elif state == "expired":
        reviews = reviews.filter(state=ReviewState.PENDING, due_at__lte=now)
    elif state == "decided":
        reviews = reviews.exclude(state=ReviewState.PENDING)
    if school_id is not None:
        reviews = reviews.filter(participant__school_id=school_id)
    if year is not None and month is not None:
        reviews = reviews.filter(participant__check_record__year=year, participant__check_record__month=month)
    return reviews


def get_review_or_404(user, pk) -> ForcedPassReview:
    try:
        return forced_pass_reviews(user).get(pk=pk)
    except (ForcedPassReview.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def get_check_in_photo_or_404(user, pk) -> CheckInPhoto:
    """Return a check-in photo of a participant who has a forced pass in the user's scope."""
    visible = forced_pass_reviews(user).values("participant_id")
    try:
        return CheckInPhoto.objects.select_related("participant__school").get(pk=pk, participant_id__in=visible)
    except (CheckInPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def open_check_in_photo(photo: CheckInPhoto) -> bytes:
    """Decrypt a check-in photo. Raises aidface.crypto.CryptoError when the blob was altered or moved."""
    return crypto.decrypt(bytes(photo.content), associated_data=photo.associated_data)


def review_state_label(review: ForcedPassReview, *, now: datetime | None = None) -> str:
    """Return the review's state as the pages show it, with the first reviewer's proposal and expiry."""
    now = now or timezone.now()
    if review.state != ReviewState.PENDING:
        return review.get_state_display()
    if review.due_at <= now:
        return FILTER_STATES["expired"]
    if review.first_reviewer_id:
        return f"待第二人复核（初审：{ReviewState(review.first_decision).label}）"
    return ReviewState.PENDING.label


@dataclass(frozen=True)
class EnrolmentPhotos:
    """The enrolment photos the reviewers compare with: the ID-card chip photo and the live capture."""

    enrolment: Enrolment | None
    chip: EnrolmentPhoto | None
    live: EnrolmentPhoto | None
    attempt: EnrolmentAttempt | None


def enrolment_photos(student) -> EnrolmentPhotos:
    """Return the student's current enrolment with its latest chip photo and the capture it ended with.

    The capture is the passing attempt's live photo, or the latest live photo when the
    enrolment was completed otherwise (provisional registration, evidence appeal).
    """
    enrolment = (
        Enrolment.objects.filter(student=student).exclude(state=EnrolmentState.RESET).order_by("-started_at", "-id").first()
    )
    if enrolment is None:
        return EnrolmentPhotos(enrolment=None, chip=None, live=None, attempt=None)
    passed_first = Case(When(outcome=AttemptOutcome.PASSED, then=Value(0)), default=Value(1), output_field=IntegerField())
    chip = enrolment.photos.filter(kind=PhotoKind.CHIP).order_by("-created_at", "-id").first()
    attempt = (
        enrolment.attempts.filter(live_photo__isnull=False)
        .select_related("live_photo")
        .order_by(passed_first, "-number")
        .first()
    )
    return EnrolmentPhotos(enrolment=enrolment, chip=chip, live=attempt.live_photo if attempt else None, attempt=attempt)


def participant_check_ins(review: ForcedPassReview) -> QuerySet[CheckIn]:
    """Return every attempt of the reviewed participant in that check, oldest first, the forced pass last."""
    return (
        CheckIn.objects.filter(participant_id=review.participant_id)
        .select_related("photo", "campus", "terminal")
        .order_by("created_at", "id")
    )

