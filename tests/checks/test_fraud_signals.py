"""Fraud signals found among check-ins, each kind with a case that raises it and one that does not.

Check-ins are stored as rows directly, as the check-in core stores them, with real camera
frames of real photos: near-identical photos are two frames made from one photo with
different sensor noise, so their bytes differ but their pictures do not.
"""
import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest

import checks_support
import enrolment_faces

NOW = checks_support.MARCH_CHECK + timedelta(minutes=30)
CAMPUS = (Decimal("34.7480000"), Decimal("113.0220000"))


@pytest.fixture
def students(org_tree):
    names = ["陈晓明", "李华", "王芳", "赵磊"]
    return [
        checks_support.make_student(org_tree.county_school, name=name, sequence=f"{index + 101}")
        for index, name in enumerate(names)
    ]


@pytest.fixture
def check(org_tree, students):
    return checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=students, launched_by=org_tree.users["county"]
    )


@pytest.fixture
def frames(faces_dir):
    """Camera frames: `a` and `a_copy` show one photo, `b` another person, `c` the first person in another pose."""
    gallery = faces_dir / "asian" / "gallery"
    return {
        "a": enrolment_faces.camera_frame(gallery / "cnceleb_103" / "4.jpg", seed=0),
        "a_copy": enrolment_faces.camera_frame(gallery / "cnceleb_103" / "4.jpg", seed=1),
        "c": enrolment_faces.camera_frame(gallery / "cnceleb_103" / "3.jpg", seed=0),
        "b": enrolment_faces.camera_frame(gallery / "lfw_Hu_Jintao" / "1.jpg", seed=0),
        # Two different men whose frames are only 4 bits apart in the perceptual hash.
        "close_1": enrolment_faces.camera_frame(gallery / "cnceleb_008" / "2.jpg", seed=0),
        "close_2": enrolment_faces.camera_frame(gallery / "lfw_Li_Zhaoxing" / "7.jpg", seed=1),
    }


def participant_of(check, student):
    return check.participants.get(student=student)


def add_check_in(
    check,
    student,
    *,
    at=NOW,
    photo: bytes | None = None,
    device: str = "",
    latitude: Decimal | None = CAMPUS[0],
    longitude: Decimal | None = CAMPUS[1],
    accuracy: float | None = 15.0,
    captured_at="same",
    channel: str = "phone",
):
    """Store one check-in attempt as the check-in core does, and return it."""
    from aidface.checks.models import CheckIn, CheckInPhoto, CheckInPhotoKind
    from aidface.enrolment import storage
    from aidface.face.decode import decode_image
    from aidface.face.phash import perceptual_hash

    participant = participant_of(check, student)
    stored_photo = None
    if photo is not None:
        stored_photo = CheckInPhoto.objects.create(
            participant=participant,
            kind=CheckInPhotoKind.LIVE,
            content=b"",
            key_id="",
            content_type="image/jpeg",
            sha256=hashlib.sha256(photo).hexdigest(),
            perceptual_hash=f"{perceptual_hash(decode_image(photo).rgb):016x}",
            created_at=at,
        )
        stored_photo.content, stored_photo.key_id = storage.seal(photo, associated_data=stored_photo.associated_data)
        stored_photo.save(update_fields=["content", "key_id"])
    number = CheckIn.objects.filter(participant=participant, channel=channel).count() + 1
    return CheckIn.objects.create(
        participant=participant,
        check_record=check,
        student=student,
        school=student.school,
        channel=channel,
        number=number,
        outcome="passed",
        photo=stored_photo,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy,
        coord_system="wgs84" if latitude is not None else "",
        captured_at=at - timedelta(seconds=20) if captured_at == "same" else captured_at,
        device_hash=hashlib.sha256(device.encode()).hexdigest() if device else "",
        created_at=at,
    )


def record(check_in):
    from aidface.checks.fraud import record_signals

    return record_signals(check_in)


def signals_of(check, kind):
    from aidface.checks.models import FraudSignal

    return list(FraudSignal.objects.filter(check_record=check, kind=kind))


def spread(index: int) -> tuple[Decimal, Decimal]:
    """Return a distinct honest fix per attempt, metres apart."""
    return CAMPUS[0] + Decimal("0.0000137") * index, CAMPUS[1] - Decimal("0.0000211") * index


# --- one phone, several students -------------------------------------------------------


@pytest.mark.django_db
def test_shared_device_opens_and_joins(check, students):
    first = add_check_in(check, students[0], device="phone-1", latitude=spread(1)[0])
    assert record(first) == []

    second = add_check_in(check, students[1], device="phone-1", at=NOW + timedelta(minutes=1), latitude=spread(2)[0])
    opened = record(second)
    third = add_check_in(check, students[2], device="phone-1", at=NOW + timedelta(minutes=2), latitude=spread(3)[0])
    joined = record(third)

    signals = signals_of(check, "shared_device")
    assert len(signals) == 1
    assert [signal.pk for signal in opened] == [signals[0].pk]
    assert [signal.pk for signal in joined] == [signals[0].pk]
    assert set(signals[0].check_ins.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    assert signals[0].detail["students"] == 3
    assert signals[0].detail["check_ins"] == 3
    assert signals[0].school_id == students[0].school_id


@pytest.mark.django_db
def test_shared_device_same_student_retry(check, students):
    record(add_check_in(check, students[0], device="phone-1", latitude=spread(1)[0]))
    record(add_check_in(check, students[0], device="phone-1", at=NOW + timedelta(minutes=1), latitude=spread(2)[0]))
    record(add_check_in(check, students[1], device="phone-2", at=NOW + timedelta(minutes=2), latitude=spread(3)[0]))

    assert signals_of(check, "shared_device") == []


@pytest.mark.django_db
def test_shared_device_ignores_terminal(check, students):
    """Terminal attempts carry no device hash: one kiosk serves every student."""
    record(add_check_in(check, students[0], channel="terminal", latitude=None, longitude=None, accuracy=None, captured_at=None))
    record(add_check_in(check, students[1], channel="terminal", latitude=None, longitude=None, accuracy=None, captured_at=None))

    from aidface.checks.models import FraudSignal

    assert FraudSignal.objects.filter(check_record=check).count() == 0


# --- same photo and near-identical photo -----------------------------------------------


@pytest.mark.django_db
def test_same_photo_bytes(check, students, frames):
    record(add_check_in(check, students[0], photo=frames["a"], latitude=spread(1)[0]))
    record(add_check_in(check, students[1], photo=frames["a"], at=NOW + timedelta(minutes=1), latitude=spread(2)[0]))

    signals = signals_of(check, "same_photo")
    assert len(signals) == 1
    assert signals[0].detail["students"] == 2
    # Identical bytes are one signal, not also a near-identical one.
    assert signals_of(check, "near_identical_photo") == []


@pytest.mark.django_db
def test_near_identical_photo(check, students, frames):
    first = add_check_in(check, students[0], photo=frames["a"], latitude=spread(1)[0])
    record(first)
    second = add_check_in(check, students[1], photo=frames["a_copy"], at=NOW + timedelta(minutes=3), latitude=spread(2)[0])
    record(second)

    assert frames["a"] != frames["a_copy"]
    assert signals_of(check, "same_photo") == []
    signals = signals_of(check, "near_identical_photo")
    assert len(signals) == 1
    assert set(signals[0].check_ins.values_list("pk", flat=True)) == {first.pk, second.pk}


@pytest.mark.django_db
def test_near_identical_joins_group(check, students, frames, faces_dir):
    third_frame = enrolment_faces.camera_frame(faces_dir / "asian" / "gallery" / "cnceleb_103" / "4.jpg", seed=2)
    for index, (student, frame) in enumerate(zip(students, [frames["a"], frames["a_copy"], third_frame])):
        record(add_check_in(check, student, photo=frame, at=NOW + timedelta(minutes=index), latitude=spread(index)[0]))

    signals = signals_of(check, "near_identical_photo")
    assert len(signals) == 1
    assert signals[0].detail["students"] == 3


@pytest.mark.django_db
def test_near_identical_different_people(check, students, frames):
    """Frames of two men 4 bits apart in the hash are told apart by their thumbnails."""
    from aidface.face.decode import decode_image
    from aidface.face.phash import hamming, perceptual_hash

    bits = hamming(perceptual_hash(decode_image(frames["close_1"]).rgb), perceptual_hash(decode_image(frames["close_2"]).rgb))
    record(add_check_in(check, students[0], photo=frames["close_1"], latitude=spread(1)[0]))
    record(add_check_in(check, students[1], photo=frames["close_2"], at=NOW + timedelta(minutes=1), latitude=spread(2)[0]))
    record(add_check_in(check, students[2], photo=frames["b"], at=NOW + timedelta(minutes=2), latitude=spread(3)[0]))

    assert bits <= 6
    assert signals_of(check, "near_identical_photo") == []


@pytest.mark.django_db
def test_near_identical_outside_window(check, students, frames):
    from aidface.checks.fraud import PHOTO_WINDOW

    record(add_check_in(check, students[0], photo=frames["a"], latitude=spread(1)[0]))
    later = NOW + PHOTO_WINDOW + timedelta(minutes=5)
    record(add_check_in(check, students[1], photo=frames["a_copy"], at=later, latitude=spread(2)[0]))

    assert signals_of(check, "near_identical_photo") == []


# --- identical location fixes ----------------------------------------------------------


@pytest.mark.django_db
def test_identical_fix_to_six_decimals(check, students):
    latitude, longitude = Decimal("34.7481234"), Decimal("113.0225678")
    record(add_check_in(check, students[0], latitude=latitude, longitude=longitude))
    # Differs only in the seventh decimal and rounds to the same six.
    record(add_check_in(check, students[1], latitude=latitude - Decimal("0.0000003"), longitude=longitude, at=NOW + timedelta(minutes=1)))

    signals = signals_of(check, "identical_fix")
    assert len(signals) == 1
    assert signals[0].detail["latitude"] == "34.748123"
    assert signals[0].detail["longitude"] == "113.022568"


@pytest.mark.django_db
def test_identical_fix_sixth_decimal_differs(check, students):
    latitude, longitude = Decimal("34.7481234"), Decimal("113.0225678")
    record(add_check_in(check, students[0], latitude=latitude, longitude=longitude))
    record(add_check_in(check, students[1], latitude=latitude + Decimal("0.0000010"), longitude=longitude, at=NOW + timedelta(minutes=1)))
    # The same student sending the same fix twice is not a pattern between students.
    record(add_check_in(check, students[0], latitude=latitude, longitude=longitude, at=NOW + timedelta(minutes=2)))

    assert signals_of(check, "identical_fix") == []


# --- replayed capture ------------------------------------------------------------------


@pytest.fixture
def earlier_check(org_tree, students):
    return checks_support.make_check(
        office=org_tree.gongyi,
        schools=[org_tree.county_school],
        students=students,
        launched_by=org_tree.users["county"],
        starts_at=checks_support.MARCH_CHECK - timedelta(days=10),
    )


@pytest.mark.django_db
def test_repeated_capture_other_check(check, earlier_check, students, frames):
    old = add_check_in(earlier_check, students[0], photo=frames["a"], at=NOW - timedelta(days=10))
    record(old)
    replay = add_check_in(check, students[1], photo=frames["a"])
    record(replay)

    signals = signals_of(check, "repeated_capture")
    assert len(signals) == 1
    assert set(signals[0].check_ins.values_list("pk", flat=True)) == {old.pk, replay.pk}
    assert signals[0].detail["earlier_check_ids"] == [earlier_check.pk]
    assert signals_of(earlier_check, "repeated_capture") == []


@pytest.mark.django_db
def test_repeated_capture_same_student_copy(check, earlier_check, students, frames):
    record(add_check_in(earlier_check, students[0], photo=frames["a"], at=NOW - timedelta(days=10)))
    record(add_check_in(check, students[0], photo=frames["a_copy"]))

    assert len(signals_of(check, "repeated_capture")) == 1


@pytest.mark.django_db
def test_repeated_capture_new_pose(check, earlier_check, students, frames):
    record(add_check_in(earlier_check, students[0], photo=frames["a"], at=NOW - timedelta(days=10)))
    record(add_check_in(check, students[0], photo=frames["c"]))
    record(add_check_in(check, students[1], photo=frames["b"], at=NOW + timedelta(minutes=1), latitude=spread(1)[0]))

    assert signals_of(check, "repeated_capture") == []


# --- capture time and accuracy ---------------------------------------------------------


@pytest.mark.django_db
def test_clock_skew_beyond_limit(check, students):
    from aidface.checks.fraud import CLOCK_SKEW_LIMIT

    record(add_check_in(check, students[0], captured_at=NOW - CLOCK_SKEW_LIMIT - timedelta(minutes=1)))
    record(add_check_in(check, students[1], captured_at=NOW + CLOCK_SKEW_LIMIT + timedelta(minutes=1), latitude=spread(1)[0]))

    signals = signals_of(check, "clock_skew")
    assert len(signals) == 2
    assert sorted(signal.detail["skew_seconds"] for signal in signals) == [-660, 660]


@pytest.mark.django_db
def test_clock_skew_within_limit(check, students):
    from aidface.checks.fraud import CLOCK_SKEW_LIMIT

    record(add_check_in(check, students[0], captured_at=NOW - CLOCK_SKEW_LIMIT + timedelta(minutes=1)))
    record(add_check_in(check, students[1], captured_at=None, latitude=spread(1)[0]))

    assert signals_of(check, "clock_skew") == []


@pytest.mark.django_db
def test_implausible_accuracy_joins_per_student(check, students):
    record(add_check_in(check, students[0], accuracy=0.0))
    record(add_check_in(check, students[0], accuracy=0.5, at=NOW + timedelta(minutes=1), latitude=spread(1)[0]))

    signals = signals_of(check, "implausible_accuracy")
    assert len(signals) == 1
    assert signals[0].check_ins.count() == 2
    assert signals[0].detail["accuracy_m"] == 0.0


@pytest.mark.django_db
def test_plausible_accuracy(check, students):
    record(add_check_in(check, students[0], accuracy=1.0))
    record(add_check_in(check, students[1], accuracy=35.0, latitude=spread(1)[0]))
    record(add_check_in(check, students[2], accuracy=None, latitude=None, longitude=None))

    assert signals_of(check, "implausible_accuracy") == []


# --- storing ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_signal_audited_once_per_change(check, students):
    from aidface.audit.models import AuditEntry

    first = add_check_in(check, students[0], device="phone-1", latitude=spread(1)[0])
    second = add_check_in(check, students[1], device="phone-1", latitude=spread(2)[0])
    record(first)
    record(second)
    # Recording the same check-in again changes nothing.
    record(second)

    actions = list(AuditEntry.objects.filter(action__startswith="fraud_signal.").values_list("action", flat=True))
    assert actions == ["fraud_signal.open"]


@pytest.mark.django_db
def test_honest_check_ins_raise_nothing(check, students, frames):
    from aidface.checks.models import FraudSignal

    for index, (student, frame) in enumerate(zip(students, [frames["a"], frames["b"], frames["close_1"], frames["close_2"]])):
        latitude, longitude = spread(index)
        check_in = add_check_in(
            check, student, photo=frame, device=f"phone-{index}", latitude=latitude, longitude=longitude,
            at=NOW + timedelta(minutes=index),
        )  # fmt: skip
        assert record(check_in) == []

    assert FraudSignal.objects.count() == 0
