"""Check-in fraud signals: patterns among check-ins that suggest one person checked in for others.

`record_signals` runs after every check-in attempt (phone or terminal) has been committed.
Each detector looks at the new check-in and the stored ones it could form a pattern with,
using indexed queries only (device hash, photo SHA-256, the check and its time window, the
student). A finding belongs to a group, such as one phone or one photo, and each check keeps
one signal per kind and group: a later check-in of the same group joins the existing signal.

Signals are hints for the office; they change no check-in, participant or month result.
"""
import io
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from django.db import transaction
from django.db.models import Q, QuerySet
from PIL import Image, UnidentifiedImageError

from aidface import crypto
from aidface.audit.services import record
from aidface.checks.models import Channel, Check, CheckIn, CheckInPhoto, FraudSignal, FraudSignalKind
from aidface.face.phash import hamming

logger = logging.getLogger(__name__)

# A phone takes its location fix just before it films the liveness challenge (maximumAge 0),
# and the challenge expires within minutes, so an honest capture time lies at most a few
# minutes before the server receives the attempt. Ten minutes leaves room for a slow mobile
# upload and a phone clock a little off. A larger gap means a replayed capture or a set clock.
CLOCK_SKEW_LIMIT = timedelta(minutes=10)

# Phones report the radius of their fix's 68 % confidence circle. Satellite fixes are
# never better than a few metres, so an accuracy below 1 m (or exactly 0) comes from a
# location-faking app or an edited request.
MIN_PLAUSIBLE_ACCURACY_M = 1.0

# Fixes that agree to six decimals (about 0.1 m) do not happen for two phones.
FIX_DECIMALS = Decimal("0.000001")

# Near-identical photos are found in two steps. The 64-bit perceptual hash preselects
# candidates: the same camera frame re-encoded as JPEG at quality 60 or resized by 6 %
# stays within 2 bits. The hash cannot decide alone, because camera frames of different
# people with the same framing come as close as 2 bits too. Measured on 287 photos of 90
# East Asian people, each placed in a 640x480 frame: of 40,000 pairs of different people,
# 2 were 2 bits apart and 14 at most 4 bits. The second step compares 64x64 grey
# thumbnails of the two decrypted photos. Re-encoded or resized copies differed by at most
# 0.6 grey levels on average, different people by at least 4.3.
NEAR_IDENTICAL_MAX_BITS = 6
NEAR_IDENTICAL_MAX_MEAN_DIFFERENCE = 2.0
THUMBNAIL_SIDE = 64
# Candidates compared by thumbnail per check-in, closest hashes first; each costs two
# decryptions and two JPEG decodes.
MAX_THUMBNAIL_COMPARISONS = 20

# Photos of other students are compared by hash within this time window around the
# check-in, and at most this many, so that the cost stays flat in a check of 100,000 students.
PHOTO_WINDOW = timedelta(hours=1)
PHOTO_WINDOW_MAX_ROWS = 5000
# Earlier photos of the same student compared for a replayed capture.
STUDENT_HISTORY_MAX_ROWS = 50


@dataclass
class Finding:
    """One pattern found for a check-in: the group it belongs to and the check-ins involved."""

    kind: str
    group: str
    check_ins: list[CheckIn]
    figures: dict = field(default_factory=dict)


def record_signals(check_in: CheckIn) -> list[FraudSignal]:
    """Detect the fraud patterns the check-in takes part in and store them as signals of its check.

    Returns the signals that were opened or joined by this check-in.
    """
    findings = [
        *_shared_device(check_in),
        *_same_photo(check_in),
        *_near_identical_photo(check_in),
        *_identical_fix(check_in),
        *_repeated_capture(check_in),
        *_clock_skew(check_in),
        *_implausible_accuracy(check_in),
    ]
    return [_store(check_in, finding) for finding in findings]


# --- detectors -------------------------------------------------------------------------


def _shared_device(check_in: CheckIn) -> list[Finding]:
    if not check_in.device_hash:
        return []
    same_device = list(CheckIn.objects.filter(check_record_id=check_in.check_record_id, device_hash=check_in.device_hash))
    if not _several_students(same_device):
        return []
    return [Finding(FraudSignalKind.SHARED_DEVICE, f"device:{check_in.device_hash}", same_device)]


def _same_photo(check_in: CheckIn) -> list[Finding]:
    photo = _photo_of(check_in)
    if photo is None:
        return []
    same_bytes = list(CheckIn.objects.filter(check_record_id=check_in.check_record_id, photo__sha256=photo.sha256))
    if not _several_students(same_bytes):
        return []
    return [Finding(FraudSignalKind.SAME_PHOTO, f"sha256:{photo.sha256}", same_bytes)]


def _near_identical_photo(check_in: CheckIn) -> list[Finding]:
    """Find photos of other students in the same check that are copies of this one but not the same bytes."""
    photo = _photo_of(check_in)
    if photo is None or not photo.perceptual_hash:
        return []
    candidates = (
        CheckIn.objects.filter(
            check_record_id=check_in.check_record_id,
            created_at__gte=check_in.created_at - PHOTO_WINDOW,
            created_at__lte=check_in.created_at + PHOTO_WINDOW,
            photo__isnull=False,
        )
        .exclude(student_id=check_in.student_id)
        .exclude(photo__sha256=photo.sha256)
        .exclude(photo__perceptual_hash="")
    )
    matches = _near_copies(photo, candidates, limit=PHOTO_WINDOW_MAX_ROWS)
    if not matches:
        return []

    members = [check_in, *matches]
    existing = (
        FraudSignal.objects.filter(
            check_record_id=check_in.check_record_id,
            kind=FraudSignalKind.NEAR_IDENTICAL_PHOTO,
            check_ins__in=[member.pk for member in members],
        )
        .order_by("pk")
        .first()
    )
    group = existing.detail.get("group") if existing else f"photo:{min(member.pk for member in members)}"
    bits = max(hamming(_hash_value(photo), _hash_value(match.photo)) for match in matches)
    return [Finding(FraudSignalKind.NEAR_IDENTICAL_PHOTO, group, members, {"max_bits": bits})]


def _identical_fix(check_in: CheckIn) -> list[Finding]:
    if check_in.channel != Channel.PHONE or check_in.latitude is None or check_in.longitude is None:
        return []
    latitude, longitude = _rounded(check_in.latitude), _rounded(check_in.longitude)
    # The range is one full step wide on each side because SQLite compares decimals as
    # floating point; the exact comparison follows in Python.
    nearby = CheckIn.objects.filter(
        check_record_id=check_in.check_record_id,
        latitude__gte=latitude - FIX_DECIMALS,
        latitude__lte=latitude + FIX_DECIMALS,
        longitude__gte=longitude - FIX_DECIMALS,
        longitude__lte=longitude + FIX_DECIMALS,
    )
    same_fix = [other for other in nearby if (_rounded(other.latitude), _rounded(other.longitude)) == (latitude, longitude)]
    if not _several_students(same_fix):
        return []
    return [
        Finding(
            FraudSignalKind.IDENTICAL_FIX,
            f"fix:{latitude},{longitude}",
            same_fix,
            {"latitude": str(latitude), "longitude": str(longitude)},
        )
    ]


def _repeated_capture(check_in: CheckIn) -> list[Finding]:
    """Find an earlier check-in whose photo this one repeats: a replayed capture.

    Any earlier check-in with the same photo bytes counts, in any check, except those of
    other students in the same check (the same-photo signal covers them). Near-identical
    copies are looked for among the same student's earlier check-ins only.
    """
    photo = _photo_of(check_in)
    if photo is None:
        return []
    earlier = CheckIn.objects.filter(created_at__lte=check_in.created_at).exclude(pk=check_in.pk)
    not_same_check_other_student = ~Q(check_record_id=check_in.check_record_id) | Q(student_id=check_in.student_id)
    matches = list(earlier.filter(not_same_check_other_student, photo__sha256=photo.sha256).order_by("created_at", "pk"))

    if photo.perceptual_hash:
        history = (
            earlier.filter(student_id=check_in.student_id, photo__isnull=False)
            .exclude(photo__sha256=photo.sha256)
            .exclude(photo__perceptual_hash="")
        )
        matches += _near_copies(photo, history, limit=STUDENT_HISTORY_MAX_ROWS)
    if not matches:
        return []

    first = min(matches, key=lambda match: (match.created_at, match.pk))
    return [
        Finding(
            FraudSignalKind.REPEATED_CAPTURE,
            f"capture:{first.pk}",
            [check_in, *matches],
            {"earlier_check_ids": sorted({match.check_record_id for match in matches})},
        )
    ]


def _clock_skew(check_in: CheckIn) -> list[Finding]:
    if check_in.captured_at is None:
        return []
    skew = check_in.created_at - check_in.captured_at
    if abs(skew) <= CLOCK_SKEW_LIMIT:
        return []
    return [
        Finding(
            FraudSignalKind.CLOCK_SKEW,
            f"participant:{check_in.participant_id}",
            [check_in],
            {"skew_seconds": round(skew.total_seconds())},
        )
    ]


def _implausible_accuracy(check_in: CheckIn) -> list[Finding]:
    if check_in.accuracy_m is None or check_in.accuracy_m >= MIN_PLAUSIBLE_ACCURACY_M:
        return []
    return [
        Finding(
            FraudSignalKind.IMPLAUSIBLE_ACCURACY,
            f"participant:{check_in.participant_id}",
            [check_in],
            {"accuracy_m": check_in.accuracy_m},
        )
    ]


# --- helpers ---------------------------------------------------------------------------


def _several_students(check_ins: list[CheckIn]) -> bool:
    return len({item.student_id for item in check_ins}) > 1


def _photo_of(check_in: CheckIn) -> CheckInPhoto | None:
    if check_in.photo_id is None:
        return None
    return check_in.photo


def _rounded(value: Decimal) -> Decimal:
    return Decimal(value).quantize(FIX_DECIMALS, rounding=ROUND_HALF_EVEN)


def _hash_value(photo: CheckInPhoto) -> int:
    return int(photo.perceptual_hash, 16)


def _near_copies(photo: CheckInPhoto, candidates: QuerySet[CheckIn], *, limit: int) -> list[CheckIn]:
    """Return the newest `limit` candidates whose photo is a near copy: close hash, then close thumbnails.

    The hashes are read without the encrypted photos, which are loaded only for the few
    candidates that pass the hash step.
    """
    reference = _hash_value(photo)
    close = []
    for check_in_id, perceptual_hash in candidates.order_by("-created_at").values_list("pk", "photo__perceptual_hash")[:limit]:
        bits = hamming(reference, int(perceptual_hash, 16))
        if bits <= NEAR_IDENTICAL_MAX_BITS:
            close.append((bits, check_in_id))
    if not close:
        return []

    own = _thumbnail(photo)
    if own is None:
        return []
    closest = [check_in_id for _bits, check_in_id in sorted(close)[:MAX_THUMBNAIL_COMPARISONS]]
    copies = []
    for candidate in CheckIn.objects.filter(pk__in=closest).select_related("photo").order_by("created_at", "pk"):
        other = _thumbnail(candidate.photo)
        if other is not None and float(np.abs(own - other).mean()) <= NEAR_IDENTICAL_MAX_MEAN_DIFFERENCE:
            copies.append(candidate)
    return copies


def _thumbnail(photo: CheckInPhoto) -> np.ndarray | None:
    """Return the photo as a 64x64 grey image, or None when it cannot be decrypted or decoded."""
    try:
        content = crypto.decrypt(bytes(photo.content), associated_data=photo.associated_data)
        with Image.open(io.BytesIO(content)) as image:
            grey = image.convert("L").resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BOX)
            return np.asarray(grey, dtype=np.float64)
    except (crypto.CryptoError, UnidentifiedImageError, OSError) as error:
        logger.warning("check-in photo=%s not compared for fraud signals: %s", photo.pk, error)
        return None


# --- storing ---------------------------------------------------------------------------


def _store(check_in: CheckIn, finding: Finding) -> FraudSignal:
    """Open the group's signal or add the finding's check-ins to it, with an audit entry."""
    with transaction.atomic():
        # Two check-ins of one group may finish at the same moment. The check's row lock on
        # PostgreSQL makes the second find the signal the first opened, and SQLite writes are serial.
        list(Check.objects.select_for_update().filter(pk=check_in.check_record_id).values_list("pk", flat=True))
        signal = (
            FraudSignal.objects.filter(check_record_id=check_in.check_record_id, kind=finding.kind, detail__group=finding.group)
            .order_by("pk")
            .first()
        )
        opened = signal is None
        if opened:
            first = min(finding.check_ins, key=lambda item: (item.created_at, item.pk))
            signal = FraudSignal.objects.create(
                check_record_id=check_in.check_record_id,
                kind=finding.kind,
                school_id=first.school_id,
                detail={"group": finding.group},
                created_at=check_in.created_at,
            )
        known = set(signal.check_ins.values_list("pk", flat=True))
        added = [item for item in finding.check_ins if item.pk not in known]
        if not opened and not added:
            return signal

        signal.check_ins.add(*added)
        signal.detail = _merged_detail(signal, finding)
        signal.save(update_fields=["detail"])
        record(
            user=None,
            action="fraud_signal.open" if opened else "fraud_signal.extend",
            target=signal,
            target_repr=f"{signal.get_kind_display()}·{signal.check_record_id}",
            school=signal.school,
            detail={"check_id": signal.check_record_id, "kind": signal.kind, "check_in_ids": [item.pk for item in added]},
        )

    logger.info(
        "fraud signal=%s kind=%s check=%s %s by check-in=%s",
        signal.pk, signal.kind, signal.check_record_id, "opened" if opened else "extended", check_in.pk,
    )  # fmt: skip
    return signal


def _merged_detail(signal: FraudSignal, finding: Finding) -> dict:
    """Return the signal's figures over all its check-ins, keeping the extreme value of each kind's figure."""
    members = signal.check_ins.all()
    detail = dict(signal.detail)
    detail["check_ins"] = members.count()
    detail["students"] = members.values("student_id").distinct().count()
    for key, value in finding.figures.items():
        previous = detail.get(key)
        if key == "skew_seconds" and previous is not None:
            value = max(value, previous, key=abs)
        elif key == "max_bits" and previous is not None:
            value = max(value, previous)
        elif key == "accuracy_m" and previous is not None:
            value = min(value, previous)
        elif key == "earlier_check_ids" and previous is not None:
            value = sorted(set(value) | set(previous))
        detail[key] = value
    return detail
