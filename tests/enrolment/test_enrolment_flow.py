"""The whole terminal flow through the services with real photos and real frame sequences."""
import pytest

import enrolment_faces

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_flow_enrols_matching_student(flow, student, chip):
    from aidface.enrolment.models import EnrolmentState

    enrolment, result = flow.enrol(student, chip)
    assert result.outcome == "passed", result.messages
    enrolment.refresh_from_db()
    assert enrolment.state == EnrolmentState.ENROLLED
    assert enrolment.late is False


def test_flow_stores_encrypted_gallery(flow, student, chip):
    from aidface.enrolment import selectors

    enrolment, _ = flow.enrol(student, chip)
    gallery = selectors.gallery_descriptors(enrolment=enrolment)
    assert gallery.includes_chip is True
    assert gallery.descriptors.shape[1] == 128
    assert gallery.descriptors.shape[0] >= 3


def test_flow_rejects_chip_of_other_person(flow, student, faces_dir):
    from aidface.enrolment.models import EnrolmentState

    other_chip = enrolment_faces.chip_photo(enrolment_faces.other_person_chip_source(faces_dir))
    enrolment, result = flow.enrol(student, other_chip)
    enrolment.refresh_from_db()
    assert result.outcome == "mismatch"
    assert enrolment.state == EnrolmentState.VERIFICATION_FAILED
    assert result.distance > result.threshold


def test_gallery_verifies_later_check_in(flow, student, chip, person):
    from aidface.enrolment import selectors
    from aidface.face.verify import describe, verify

    flow.enrol(student, chip)
    gallery = selectors.student_gallery(student=student)
    probe = describe(enrolment_faces.camera_frame(person.frontal, seed=99), check_quality=False)
    assert verify(gallery.face_gallery, probe, purpose="check_in").passed is True


def test_gallery_rejects_other_person_at_check_in(flow, student, chip, faces_dir):
    from aidface.enrolment import selectors
    from aidface.face.verify import describe, verify

    flow.enrol(student, chip)
    gallery = selectors.student_gallery(student=student)
    stranger = enrolment_faces.other_person_chip_source(faces_dir)
    probe = describe(enrolment_faces.camera_frame(stranger, seed=7), check_quality=False)
    assert verify(gallery.face_gallery, probe, purpose="check_in").passed is False
