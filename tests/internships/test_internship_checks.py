"""Routine checks leave out students on a filed, confirmed internship from its start date until its end date."""
from datetime import date, datetime, time, timedelta

import pytest
from internships_support import NOW, SHANGHAI

import checks_support
from aidface.checks.participants import ensure_participants
from aidface.internships.models import InternshipRecord


@pytest.fixture
def enrolled(org_tree, student, other_student, faces_dir):
    import enrolment_faces

    person = enrolment_faces.person(faces_dir)
    for item in (student, other_student):
        checks_support.enrol_from_photos(item, [person.frontal])
    return student, other_student


def participants_on(day: date, org_tree) -> set[int]:
    starts_at = datetime.combine(day, time(9), tzinfo=SHANGHAI)
    check = checks_support.make_check(
        office=org_tree.gongyi, schools=[org_tree.county_school], students=[], launched_by=org_tree.users["county"], starts_at=starts_at
    )
    check.participants_drawn_at = None
    check.save(update_fields=["participants_drawn_at"])
    ensure_participants(check, now=starts_at + timedelta(minutes=1))
    return set(check.participants.values_list("student_id", flat=True))


def test_confirmed_filed_internship_pauses_routine_checks(org_tree, enrolled, make_record):
    intern, classmate = enrolled
    record = make_record(intern, file=True)
    InternshipRecord.objects.filter(pk=record.pk).update(confirmed_at=NOW)

    assert participants_on(date(2026, 3, 31), org_tree) == {intern.pk, classmate.pk}
    assert participants_on(date(2026, 4, 1), org_tree) == {classmate.pk}
    assert participants_on(date(2026, 6, 30), org_tree) == {classmate.pk}
    assert participants_on(date(2026, 7, 1), org_tree) == {intern.pk, classmate.pk}


def test_unconfirmed_internship_does_not_pause(org_tree, enrolled, make_record):
    intern, classmate = enrolled
    make_record(intern, file=True)
    assert participants_on(date(2026, 4, 15), org_tree) == {intern.pk, classmate.pk}


def test_confirmed_draft_does_not_pause(org_tree, enrolled, make_record):
    intern, classmate = enrolled
    record = make_record(intern)
    InternshipRecord.objects.filter(pk=record.pk).update(confirmed_at=NOW)
    assert participants_on(date(2026, 4, 15), org_tree) == {intern.pk, classmate.pk}
