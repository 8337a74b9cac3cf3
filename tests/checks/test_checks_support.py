"""The shared check factories produce an enrolled student whose own photo verifies against the gallery."""
import pytest

import checks_support
import enrolment_faces


@pytest.fixture
def person(faces_dir):
    return enrolment_faces.person(faces_dir)


def test_enrolled_gallery_verifies_own_face_and_rejects_another(org_tree, person, faces_dir):
    from aidface.enrolment.selectors import student_gallery
    from aidface.face.verify import describe, verify

    student = checks_support.make_student(org_tree.county_school)
    checks_support.enrol_from_photos(student, [person.frontal, person.left, person.right])
    gallery = student_gallery(student=student)

    own = describe(enrolment_faces.camera_frame(person.chip_source, seed=9))
    other = describe(enrolment_faces.camera_frame(enrolment_faces.other_person_chip_source(faces_dir), seed=9))
    assert verify(gallery.face_gallery, own, purpose="check_in").passed
    assert not verify(gallery.face_gallery, other, purpose="check_in").passed


def test_make_check_creates_participants(org_tree):
    student = checks_support.make_student(org_tree.county_school)
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[student], launched_by=org_tree.users["county"]
    )
    assert (check.year, check.month) == (2026, 3)
    assert list(check.participants.values_list("student_id", flat=True)) == [student.pk]
