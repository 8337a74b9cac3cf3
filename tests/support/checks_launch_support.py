"""Factories for the launch, participant and check page tests: many students with galleries, cheaply.

One real gallery is built from a real face photo per test session. It is stored, encrypted
through the enrolment app, for every student that needs one. So a test can give dozens of
students an enrolment in any state without running the face engine each time.
"""
import functools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import enrolment_faces
from enrolment_support import make_student

SHANGHAI = ZoneInfo("Asia/Shanghai")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@functools.cache
def _real_gallery(photo: Path):
    from aidface.enrolment import galleries
    from aidface.face.verify import describe

    probe = describe(enrolment_faces.camera_frame(photo, seed=1), check_quality=False)
    return galleries.build_gallery(chip=None, live=probe.descriptor[None, :], model_id=probe.model_id, model_version=probe.model_version)


def give_gallery(
    student,
    faces_dir: Path,
    *,
    completed_at: datetime,
    state: str = "enrolled",
    late: bool = False,
    provisional_until: datetime | None = None,
):
    """Store an enrolment in `state` with an active gallery for the student.

    A provisional enrolment gets a provisional template valid until `provisional_until`.
    The enrolment's semester is the one containing `completed_at`.
    """
    from aidface.enrolment import galleries
    from aidface.enrolment.models import Enrolment, TemplateKind
    from aidface.roster.services import semester_at

    enrolment = Enrolment.objects.create(
        student=student,
        school=student.school,
        semester=semester_at(completed_at),
        state=state,
        late=late,
        started_at=completed_at - timedelta(minutes=5),
        completed_at=completed_at,
        provisional_until=provisional_until,
    )
    kind = TemplateKind.PROVISIONAL if provisional_until is not None else TemplateKind.ENROLLED
    gallery = _real_gallery(enrolment_faces.person(faces_dir).frontal)
    galleries.store_template(enrolment=enrolment, kind=kind, gallery=gallery, valid_until=provisional_until)
    return enrolment


def numbered_student(school, number: int, *, aided: bool = True, name: str | None = None):
    """A roster student with a distinct, valid ID number per `number` (0–899)."""
    return make_student(school, name=name or f"学生{number:03d}", birth="20080315", sequence=f"{100 + number:03d}", aided=aided)


def approved_campus(school, name: str = "主校区"):
    """Give the school a campus approved by the province, so checks can cover it."""
    from aidface.org.models import Campus, CoordSystem

    import checks_support

    campus = Campus.objects.create(
        school=school,
        name=name,
        address="河南省郑州市测试路1号",
        latitude="34.750000",
        longitude="113.620000",
        coord_system=CoordSystem.WGS84,
    )
    return checks_support.approve_campus(campus)


def file_internship(student, *, start, end, confirmed: bool = True, filed: bool = True):
    """Store an internship record as filed (and confirmed before departure) without the school's forms."""
    from aidface.internships.models import FilingStatus, InternshipRecord

    return InternshipRecord.objects.create(
        student=student,
        school=student.school,
        grade=student.grade,
        class_name=student.class_name,
        company="郑州测试机械有限公司",
        address="河南省郑州市测试路2号",
        supervisor_name="王经理",
        supervisor_phone="13800000000",
        start_date=start,
        end_date=end,
        status=FilingStatus.FILED if filed else FilingStatus.DRAFT,
        filed_at=local(2026, 3, 1, 9) if filed else None,
        confirmed_at=local(2026, 3, 1, 10) if confirmed else None,
    )
