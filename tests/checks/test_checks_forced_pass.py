"""The terminal's forced pass with an evidence photo (Art. 13), with real photos and a real gallery.

The student is enrolled from photos of one man. Failed attempts are stored as CheckIn
rows, except in the test that runs a real terminal attempt through the check-in core.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

import checks_support
import enrolment_faces

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = checks_support.MARCH_CHECK + timedelta(minutes=40)


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


@pytest.fixture
def campus(org_tree):
    return checks_support.approve_campus(org_tree.campus)


@pytest.fixture
def student(org_tree, person):
    from aidface.org.models import Role, User

    student = checks_support.make_student(org_tree.county_school)
    student.account = User.objects.create(
        username=student.id_number, role=Role.STUDENT, school=org_tree.county_school, display_name=student.name
    )
    student.save(update_fields=["account"])
    checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
    return student


@pytest.fixture
def check(org_tree, student, campus):
    return checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )


@pytest.fixture
def participant(check, student):
    return check.participants.get(student=student)


@pytest.fixture
def terminal(org_tree, campus):
    terminal = org_tree.users["terminal"]
    terminal.refresh_from_db()
    return terminal


@pytest.fixture
def evidence(person) -> bytes:
    return enrolment_faces.camera_frame(person.frontal, seed=77)


def failed_attempt(participant, *, channel: str, outcome: str, number: int, at: datetime = NOW - timedelta(minutes=5)):
    """Store a failed attempt as the check-in core would, and mark the participant failed."""
    from aidface.checks.models import CheckIn, ParticipantStatus

    check_in = CheckIn.objects.create(
        participant=participant,
        check_record=participant.check_record,
        student=participant.student,
        school=participant.school,
        channel=channel,
        number=number,
        outcome=outcome,
        reasons=[{"code": outcome, "message": "未通过"}],
        created_at=at,
    )
    participant.status = ParticipantStatus.FAILED
    if channel == "phone":
        participant.phone_attempts = number
    else:
        participant.terminal_attempts = number
    participant.save()
    return check_in


def phone_failures(participant, count: int = 3) -> None:
    for number in range(1, count + 1):
        failed_attempt(participant, channel="phone", outcome="face_mismatch", number=number)


def test_forced_pass_after_failed_terminal_attempt(terminal, participant, evidence):
    from aidface.audit.models import AuditEntry
    from aidface.checks.fallback import force_pass
    from aidface.checks.models import CheckInPhoto, ForcedPassReview, ParticipantStatus

    phone_failures(participant)
    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)

    check_in = force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)

    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.FORCED_PASS
    assert participant.get_status_display() == "强制通过（存疑）"
    assert participant.decided_at == NOW
    assert check_in.outcome == "forced_pass"
    assert check_in.channel == "terminal"
    assert check_in.number == 2
    assert check_in.terminal_id == terminal.pk
    assert check_in.campus_id == terminal.campus_id
    photo = CheckInPhoto.objects.get(pk=check_in.photo_id)
    assert photo.kind == "evidence"
    assert photo.participant_id == participant.pk

    review = ForcedPassReview.objects.get(check_in=check_in)
    assert review.state == "pending"
    assert review.office_id == participant.school.supervising_office_id
    # March's appeal window is April 1st to 10th, so the review is due at the start of April 11th.
    assert review.due_at == datetime(2026, 4, 11, tzinfo=SHANGHAI)

    entry = AuditEntry.objects.get(action="check_in.forced_pass")
    assert entry.target_id == str(check_in.pk)
    assert entry.detail["review_id"] == review.pk
    assert entry.detail["failed_terminal_attempts"] == 1
    assert entry.school_id == participant.school_id


def test_evidence_photo_stored_encrypted(terminal, participant, evidence):
    import hashlib

    from aidface.checks.fallback import force_pass
    from aidface.checks.review_selectors import open_check_in_photo
    from aidface.crypto import CryptoError, decrypt

    failed_attempt(participant, channel="terminal", outcome="liveness_failed", number=1)
    photo = force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW).photo

    stored = bytes(photo.content)
    assert evidence not in stored
    assert stored[:4] == b"AFE1"
    assert open_check_in_photo(photo) == evidence
    assert photo.sha256 == hashlib.sha256(evidence).hexdigest()
    assert len(photo.perceptual_hash) == 16
    assert photo.content_type == "image/jpeg"
    # The associated data names the row, so the blob does not decrypt as another record's.
    with pytest.raises(CryptoError):
        decrypt(stored, associated_data=f"check_in_photo:{photo.pk + 1}:{photo.participant_id}:evidence")


def test_evidence_compared_with_gallery(terminal, participant, evidence, faces_dir):
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    check_in = force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)

    # The evidence shows the enrolled man himself, so it lies within the check-in threshold.
    assert check_in.face_distance is not None
    assert check_in.face_distance <= check_in.threshold
    assert check_in.similarity >= 60


def test_forced_pass_refused_without_terminal_attempt(terminal, participant, evidence):
    from aidface.audit.models import AuditEntry
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass
    from aidface.checks.models import CheckInPhoto, ForcedPassReview, ParticipantStatus

    phone_failures(participant)

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)

    assert raised.value.code == "terminal_attempt_missing"
    participant.refresh_from_db()
    assert participant.status == ParticipantStatus.FAILED
    assert not CheckInPhoto.objects.exists()
    assert not ForcedPassReview.objects.exists()
    refused = AuditEntry.objects.get(action="check_in.forced_pass")
    assert refused.outcome == "failure"
    assert refused.detail["code"] == "terminal_attempt_missing"


def test_no_template_attempt_does_not_count(terminal, participant, evidence):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="no_template", number=1)

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)
    assert raised.value.code == "terminal_attempt_missing"


def test_policy_requires_two_terminal_attempts(org_tree, terminal, participant, evidence):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass, forced_pass_allowed
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="terminal_attempts_before_forced_pass", value=2)
    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    assert not forced_pass_allowed(participant)
    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)
    assert "需 2 次" in raised.value.message

    failed_attempt(participant, channel="terminal", outcome="liveness_failed", number=2)
    assert forced_pass_allowed(participant)
    assert force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW).number == 3


def test_forced_pass_refused_on_phone_role(participant, evidence):
    from aidface.checks.fallback import force_pass
    from aidface.checks.models import ForcedPassReview

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)

    with pytest.raises(PermissionDenied):
        force_pass(terminal=participant.student.account, participant=participant, evidence_photo=evidence, now=NOW)
    assert not ForcedPassReview.objects.exists()


def test_forced_pass_refused_for_school_operator(org_tree, participant, evidence):
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)

    with pytest.raises(PermissionDenied):
        force_pass(terminal=org_tree.users["operator"], participant=participant, evidence_photo=evidence, now=NOW)


def test_forced_pass_refused_on_unapproved_campus(org_tree, participant, evidence):
    from aidface.checks.fallback import force_pass
    from aidface.org.models import Campus, CoordSystem, Role, User

    other_campus = Campus.objects.create(
        school=org_tree.county_school, name="东校区", address="巩义市东区", latitude="34.75", longitude="113.03",
        coord_system=CoordSystem.WGS84,
    )  # fmt: skip
    kiosk = User.objects.create(username="east_terminal", role=Role.TERMINAL, school=org_tree.county_school, campus=other_campus)
    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)

    with pytest.raises(PermissionDenied):
        force_pass(terminal=kiosk, participant=participant, evidence_photo=evidence, now=NOW)


def test_forced_pass_refused_after_check_closed(terminal, participant, evidence):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    closed = participant.check_record.ends_at + timedelta(minutes=1)

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=closed)
    assert raised.value.code == "check_closed"


def test_forced_pass_refused_for_cancelled_check(org_tree, terminal, participant, evidence):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    check = participant.check_record
    check.cancelled_at = NOW - timedelta(minutes=1)
    check.cancelled_by = org_tree.users["county"]
    check.save()

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)
    assert raised.value.code == "check_closed"


def test_forced_pass_refused_in_locked_month(org_tree, terminal, student, evidence):
    from aidface.checks.fallback import force_pass
    from aidface.checks.locking import MonthLockedError
    from aidface.checks.models import ForcedPassReview

    # December locks after the 15th, so a check opened on December 17th is in a locked month.
    december = datetime(2026, 12, 17, 9, 0, tzinfo=SHANGHAI)
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student],
        launched_by=org_tree.users["county"], starts_at=december,
    )  # fmt: skip
    participant = check.participants.get()
    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1, at=december)

    with pytest.raises(MonthLockedError):
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=december + timedelta(minutes=10))
    assert not ForcedPassReview.objects.exists()


def test_forced_pass_of_other_school_is_not_found(org_tree, terminal, evidence):
    from aidface.checks.fallback import force_pass

    other = checks_support.make_student(org_tree.county_school_2, name="王小红", sequence="246")
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school_2], students=[other], launched_by=org_tree.users["county"]
    )
    participant = check.participants.get()
    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)

    with pytest.raises(Http404):
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)


def test_forced_pass_not_repeated(terminal, participant, evidence):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW + timedelta(minutes=1))
    assert raised.value.code == "already_forced"


def test_forced_pass_refused_after_pass(terminal, participant, evidence):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    participant.status = "passed"
    participant.save()

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)
    assert raised.value.code == "already_passed"


def test_evidence_without_face_flagged(terminal, participant):
    import io

    from PIL import Image

    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    blank = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 90, 90)).save(blank, "JPEG")

    # The forced pass is automatic (Art. 13), so a photo without a face is kept for the reviewers.
    check_in = force_pass(terminal=terminal, participant=participant, evidence_photo=blank.getvalue(), now=NOW)

    assert check_in.face_distance is None
    assert [reason["code"] for reason in check_in.reasons] == ["forced_pass", "evidence_no_face"]


def test_unreadable_evidence_refused(terminal, participant):
    from aidface.checks.errors import CheckError
    from aidface.checks.fallback import force_pass

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)

    with pytest.raises(CheckError) as raised:
        force_pass(terminal=terminal, participant=participant, evidence_photo=b"not a photo", now=NOW)
    assert raised.value.code == "evidence_unreadable"


def test_month_result_is_forced_pass(terminal, participant, evidence):
    from aidface.checks.fallback import force_pass
    from aidface.checks.models import MonthResult

    failed_attempt(participant, channel="terminal", outcome="face_mismatch", number=1)
    force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW)

    result = MonthResult.objects.get(student=participant.student, year=2026, month=3)
    assert result.state == "forced_pass"


def test_real_terminal_failure_then_forced_pass(org_tree, terminal, faces_dir, person):
    """Another man at the terminal fails the 1:1 comparison; the terminal then force-passes with his photo."""
    from aidface.checks import checkin
    from aidface.checks.fallback import force_pass
    from aidface.checks.models import CheckIn
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    # The student is enrolled from another man's photos, so the turning man at the terminal fails 1:1.
    student = checks_support.make_student(org_tree.county_school, name="赵强", sequence="357")
    other = faces_dir / "asian" / "gallery" / "lfw_Hu_Jintao"
    checks_support.enrol_from_photos(student, [other / "1.jpg", other / "6.jpg", other / "12.jpg"])
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    participant = check.participants.get()
    phone_failures(participant)

    challenge = checkin.issue_check_in_challenge(user=terminal, participant=participant, channel="terminal", now=NOW)
    result = checkin.check_in_at_terminal(
        terminal=terminal, participant=participant, nonce=challenge.nonce,
        frames=enrolment_faces.turn_frames(person), now=NOW + timedelta(seconds=8),
    )  # fmt: skip
    assert result.outcome == "face_mismatch", result.messages
    assert result.next_step == "forced_pass"

    evidence = enrolment_faces.camera_frame(person.frontal, seed=5)
    forced = force_pass(terminal=terminal, participant=participant, evidence_photo=evidence, now=NOW + timedelta(seconds=20))

    assert forced.number == 2
    outcomes = list(CheckIn.objects.filter(participant=participant, channel="terminal").values_list("outcome", flat=True))
    assert outcomes == ["face_mismatch", "forced_pass"]
    # The evidence shows the man at the terminal, not the enrolled student.
    assert forced.face_distance > forced.threshold
