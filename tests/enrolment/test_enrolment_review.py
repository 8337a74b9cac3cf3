"""Art. 7: provisional registration after a failed verification, evidence appeals and their decisions."""
import io

import pytest
from PIL import Image

import enrolment_faces
from enrolment_support import LATE, ON_TIME

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def spring_2026():
    """Run on the clock of the spring 2026 semester, so provisional galleries have not expired yet."""
    import time_machine

    with time_machine.travel(ON_TIME, tick=True):
        yield


@pytest.fixture
def failed(flow, student, faces_dir):
    """An enrolment whose live capture did not match the chip photo (a chip photo of another person)."""
    other_chip = enrolment_faces.chip_photo(enrolment_faces.other_person_chip_source(faces_dir))
    enrolment, result = flow.enrol(student, other_chip)
    assert result.outcome == "mismatch"
    return enrolment


@pytest.fixture
def evidence_photo(person) -> bytes:
    output = io.BytesIO()
    Image.open(person.frontal).save(output, "JPEG")
    return output.getvalue()


@pytest.fixture
def appealed(failed, org_tree, evidence_photo):
    from aidface.enrolment import review

    review.capture_evidence(user=org_tree.users["terminal"], enrolment=failed, photo=evidence_photo, now=ON_TIME)
    return review.file_appeal(user=org_tree.users["operator"], enrolment=failed, reason="身份证照片为十年前拍摄", now=ON_TIME)


def error_code(call) -> str:
    from aidface.enrolment.services import EnrolmentError

    with pytest.raises(EnrolmentError) as caught:
        call()
    return caught.value.code


def test_provisional_until_semester_end(failed, org_tree):
    from aidface.enrolment import review, selectors
    from aidface.policy.calendar import SHANGHAI

    enrolment = review.register_provisional(user=org_tree.users["operator"], enrolment=failed, now=ON_TIME)
    gallery = selectors.gallery_descriptors(enrolment=enrolment)
    assert enrolment.state == "provisional"
    assert enrolment.provisional_until.astimezone(SHANGHAI).isoformat() == "2026-07-01T00:00:00+08:00"
    assert gallery.kind == "provisional"
    assert gallery.includes_chip is False


def test_provisional_student_joins_checks(failed, org_tree):
    from aidface.enrolment import review, selectors

    enrolment = review.register_provisional(user=org_tree.users["operator"], enrolment=failed, now=ON_TIME)
    assert selectors.takes_part_in_routine_checks(student=enrolment.student, semester=enrolment.semester, at=LATE) is True


def test_provisional_expires_after_semester(failed, org_tree):
    from datetime import timedelta

    from aidface.enrolment import review, selectors

    enrolment = review.register_provisional(user=org_tree.users["operator"], enrolment=failed, now=ON_TIME)
    after = enrolment.provisional_until + timedelta(days=1)
    assert selectors.takes_part_in_routine_checks(student=enrolment.student, semester=enrolment.semester, at=after) is False


def test_provisional_needs_failed_verification(flow, student, chip, org_tree):
    from aidface.enrolment import review

    enrolment, _ = flow.enrol(student, chip)
    assert error_code(lambda: review.register_provisional(user=org_tree.users["operator"], enrolment=enrolment)) == "not_failed"


def test_retries_recorded(failed, flow):
    flow.capture(failed)
    outcomes = list(failed.attempts.order_by("number").values_list("number", "outcome"))
    assert outcomes == [(1, "mismatch"), (2, "mismatch")]


def test_appeal_needs_evidence(failed, org_tree):
    from aidface.enrolment import review

    call = lambda: review.file_appeal(user=org_tree.users["operator"], enrolment=failed, reason="证件照片年代久远")  # noqa: E731
    assert error_code(call) == "evidence_missing"


def test_appeal_goes_to_supervising_office(appealed, org_tree):
    appealed.enrolment.refresh_from_db()
    assert appealed.office == org_tree.gongyi
    assert appealed.state == "pending"
    assert appealed.enrolment.state == "appeal_pending"


def test_appeal_approval_enrols_student(appealed, org_tree):
    from aidface.enrolment import review, selectors

    review.decide_appeal(user=org_tree.users["county"], appeal=appealed, approve=True, now=ON_TIME)
    appealed.refresh_from_db()
    appealed.enrolment.refresh_from_db()
    gallery = selectors.gallery_descriptors(enrolment=appealed.enrolment)
    assert appealed.state == "approved"
    assert appealed.enrolment.state == "enrolled"
    assert gallery.kind == "enrolled"


def test_appeal_rejection_needs_comment(appealed, org_tree):
    from aidface.enrolment import review

    call = lambda: review.decide_appeal(user=org_tree.users["county"], appeal=appealed, approve=False)  # noqa: E731
    assert error_code(call) == "comment_missing"


def test_appeal_rejection_restores_state(appealed, org_tree):
    from aidface.enrolment import review

    review.decide_appeal(user=org_tree.users["county"], appeal=appealed, approve=False, comment="佐证照片看不清证件")
    appealed.refresh_from_db()
    appealed.enrolment.refresh_from_db()
    assert appealed.state == "rejected"
    assert appealed.comment == "佐证照片看不清证件"
    assert appealed.enrolment.state == "verification_failed"


def test_appeal_decided_only_by_supervising_office(appealed, org_tree):
    from django.core.exceptions import PermissionDenied

    from aidface.enrolment import review

    with pytest.raises(PermissionDenied):
        review.decide_appeal(user=org_tree.users["city"], appeal=appealed, approve=True)


def test_school_cannot_decide_appeal(appealed, org_tree):
    from django.core.exceptions import PermissionDenied

    from aidface.enrolment import review

    with pytest.raises(PermissionDenied):
        review.decide_appeal(user=org_tree.users["principal"], appeal=appealed, approve=True)


def test_appeal_decision_audited(appealed, org_tree):
    from aidface.audit.models import AuditEntry
    from aidface.enrolment import review

    review.decide_appeal(user=org_tree.users["county"], appeal=appealed, approve=True)
    assert AuditEntry.objects.filter(action="enrolment.appeal_approve", username="county_staff").count() == 1


def test_terminal_cannot_file_appeal(failed, org_tree, evidence_photo):
    from django.core.exceptions import PermissionDenied

    from aidface.enrolment import review

    review.capture_evidence(user=org_tree.users["terminal"], enrolment=failed, photo=evidence_photo)
    with pytest.raises(PermissionDenied):
        review.file_appeal(user=org_tree.users["terminal"], enrolment=failed, reason="理由")
