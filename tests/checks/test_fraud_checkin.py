"""Fraud signals recorded by the real phone check-in: two students checked in from one phone."""
from datetime import timedelta

import pytest

import checks_support
import enrolment_faces

NOW = checks_support.MARCH_CHECK + timedelta(minutes=30)
# 300 m north of the org_tree campus centre, in WGS-84.
FIX = (34.750698, 113.022)


@pytest.fixture
def students(org_tree, faces_dir):
    from aidface.org.models import Role, User
    from aidface.policy.models import PolicyOverride

    PolicyOverride.objects.create(office=org_tree.province, key="liveness_actions", value=["turn_left", "turn_right"])
    checks_support.approve_campus(org_tree.campus)
    person = enrolment_faces.person(faces_dir)
    result = []
    for name, sequence in [("陈晓明", "401"), ("李华", "402")]:
        student = checks_support.make_student(org_tree.county_school, name=name, sequence=sequence)
        student.account = User.objects.create(username=student.id_number, role=Role.STUDENT, school=org_tree.county_school)
        student.save(update_fields=["account"])
        checks_support.enrol_from_photos(student, [person.chip_source, person.frontal, person.right])
        result.append(student)
    return result


def test_one_phone_two_students(org_tree, faces_dir, students):
    from aidface.checks import checkin
    from aidface.checks.models import FraudSignal
    from aidface.geo import LocationFix

    person = enrolment_faces.person(faces_dir)
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=students, launched_by=org_tree.users["county"]
    )
    results = []
    for offset, student in enumerate(students):
        participant = check.participants.get(student=student)
        now = NOW + timedelta(minutes=offset)
        nonce = checkin.issue_check_in_challenge(user=student.account, participant=participant, channel="phone", now=now).nonce
        fix = LocationFix(latitude=FIX[0], longitude=FIX[1] + offset * 0.001, accuracy_m=20.0, coord_system="wgs84")
        results.append(
            checkin.check_in_by_phone(
                user=student.account, participant=participant, nonce=nonce, frames=enrolment_faces.turn_frames(person),
                fix=fix, device_id="shared-phone", now=now + timedelta(seconds=8),
            )  # fmt: skip
        )

    assert [result.passed for result in results] == [True, True]
    shared = FraudSignal.objects.get(check_record=check, kind="shared_device")
    assert sorted(shared.check_ins.values_list("pk", flat=True)) == sorted(result.check_in_id for result in results)
    # Both students sent the very same frames, so their stored photos are the same bytes too.
    assert FraudSignal.objects.filter(check_record=check, kind="same_photo").count() == 1
    assert not FraudSignal.objects.filter(check_record=check, kind="identical_fix").exists()
