"""Factories shared by the tests of checks, appeals, eligibility and internships.

`enrol_from_photos` stores a real gallery made by the face engine from real photos,
without going through the terminal steps, so check-in tests start from an enrolled
student in one call. `make_check` creates a check with its schools and participants
directly, bypassing the launch rules that the launch tests cover.
"""
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

import enrolment_faces
from enrolment_support import make_student  # noqa: F401  (re-exported for the checks tests)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Inside the spring routine window (03-01..05-31) and after the enrolment deadline's semester start.
MARCH_CHECK = datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI)
ENROLLED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def enrol_from_photos(student, photos: list[Path], *, at: datetime = ENROLLED_AT, late: bool = False):
    """Give the student a finished enrolment and an active gallery built from real photos."""
    from aidface.enrolment import galleries
    from aidface.enrolment.models import Enrolment, EnrolmentState, TemplateKind
    from aidface.face.verify import describe
    from aidface.roster.services import semester_at

    probes = [describe(enrolment_faces.camera_frame(path, seed=index), check_quality=False) for index, path in enumerate(photos)]
    descriptors = np.stack([probe.descriptor for probe in probes])
    gallery = galleries.build_gallery(
        chip=None, live=descriptors, model_id=probes[0].model_id, model_version=probes[0].model_version
    )
    enrolment = Enrolment.objects.create(
        student=student,
        school=student.school,
        semester=semester_at(at),
        state=EnrolmentState.ENROLLED,
        late=late,
        started_at=at,
        completed_at=at,
    )
    galleries.store_template(enrolment=enrolment, kind=TemplateKind.ENROLLED, gallery=gallery)
    return enrolment


def approve_campus(campus, *, latitude: str | None = None, longitude: str | None = None, coord_system: str | None = None):
    """Put a campus point in force as if the province had approved it (Art. 22)."""
    from aidface.org.models import CampusStatus

    campus.approved_latitude = latitude or campus.latitude
    campus.approved_longitude = longitude or campus.longitude
    campus.approved_coord_system = coord_system or campus.coord_system
    campus.approved_address = campus.address
    campus.status = CampusStatus.APPROVED
    campus.approved_at = campus.submitted_at
    campus.save()
    return campus


def make_check(
    *,
    office,
    schools,
    students,
    launched_by,
    starts_at: datetime = MARCH_CHECK,
    kind: str = "routine",
    minutes: int | None = None,
):
    """Create a check that covers `schools` with `students` as its participants."""
    from aidface.checks.models import Check, CheckKind, CheckSchool, Participant, SampleMethod
    from aidface.policy.calendar import SHANGHAI as CALENDAR_ZONE
    from aidface.roster.services import semester_at

    if minutes is None:
        minutes = 300 if kind == CheckKind.ROUTINE else 180
    local_start = starts_at.astimezone(CALENDAR_ZONE)
    check = Check.objects.create(
        kind=kind,
        office=office,
        semester=semester_at(starts_at),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        year=local_start.year,
        month=local_start.month,
        sample_method=SampleMethod.ALL if kind == CheckKind.ROUTINE else SampleMethod.NAMED,
        named_student_ids=[] if kind == CheckKind.ROUTINE else [student.pk for student in students],
        participants_drawn_at=starts_at,
        launched_by=launched_by,
        launched_at=starts_at - timedelta(days=1),
    )
    for school in schools:
        CheckSchool.objects.create(check_record=check, school=school)
    for student in students:
        Participant.objects.create(check_record=check, student=student, school=student.school)
    return check
